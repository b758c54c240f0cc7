// The trigger of src/trigger_and_wait.ts with one field misspelt, `dag_runid` for `dag_run_id`:
// `npx tsc -p typo` refuses it, so it never runs and nothing is sent (lesson 62).
import createClient from "openapi-fetch";
import type { components, paths } from "../src/airflow.js";

type TriggerBody = components["schemas"]["TriggerDAGRunPostBody"];

const airflow = createClient<paths>({ baseUrl: "http://127.0.0.1:8080" });
const body: TriggerBody = {
  dag_runid: "kit_62_typescript",
  logical_date: null,
  conf: { message: "hello from TypeScript", requested_by: "lesson 62" },
};
await airflow.POST("/api/v2/dags/{dag_id}/dagRuns", {
  params: { path: { dag_id: "dependent_dag" } },
  body,
});
