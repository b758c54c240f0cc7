// Signs in to Airflow 3, triggers dependent_dag with a conf and a run id of its own, waits for
// the run, prints what its task returned, and deletes the run. Every call is typed from the
// server's own /openapi.json: src/airflow.d.ts, made by `npm run generate` (lesson 62).
import createClient from "openapi-fetch";
import type { components, paths } from "./airflow.js";

type TriggerBody = components["schemas"]["TriggerDAGRunPostBody"];  // a schema, by its name

const baseUrl = process.env.AIRFLOW_URL || "http://127.0.0.1:8080";
const dagId = "dependent_dag";
const runId = "kit_62_typescript";
// Typed with its schema, the body refuses a field the API does not have (see typo/).
const body: TriggerBody = {
  dag_run_id: runId,
  logical_date: null,
  conf: { message: "hello from TypeScript", requested_by: "lesson 62" },
};

/** A token from POST /auth/token: the auth manager's call (in /auth/openapi.json). */
async function signIn(): Promise<string> {
  const response = await fetch(`${baseUrl}/auth/token`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ username: process.env.AIRFLOW_USERNAME || "admin",
                           password: process.env.AIRFLOW_PASSWORD || "admin" }),
  });
  if (response.status === 404) throw new Error(`no Airflow 3 at ${baseUrl}: no /auth/token`);
  if (!response.ok) {
    throw new Error(`POST /auth/token -> ${response.status}: ${await response.text()}`);
  }
  return ((await response.json()) as { access_token: string }).access_token;
}

/** The answer's data, or an error that names the call, its status and Airflow's detail. */
function ok<T>(answer: { data?: T; error?: unknown; response: Response }, call: string): T {
  if (answer.data === undefined) {
    throw new Error(`${call} -> ${answer.response.status}: ${JSON.stringify(answer.error)}`);
  }
  return answer.data;
}

async function main(): Promise<void> {
  const token = process.env.AIRFLOW_TOKEN || (await signIn());
  const airflow = createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${token}` } });
  const thisRun = { params: { path: { dag_id: dagId, dag_run_id: runId } } };

  const triggered = ok(await airflow.POST("/api/v2/dags/{dag_id}/dagRuns", {
    params: { path: { dag_id: dagId } },
    body,
  }), "POST /api/v2/dags/{dag_id}/dagRuns");
  console.log(`triggered ${dagId}: ${triggered.dag_run_id}, ${triggered.state}`);
  try {
    let state = triggered.state;  // a DagRunState: "queued" | "running" | "success" | "failed"
    const deadline = Date.now() + 300_000;
    while (state !== "success" && state !== "failed") {
      if (Date.now() > deadline) throw new Error(`${runId} is still ${state} after 300 s`);
      await new Promise((resolve) => setTimeout(resolve, 500));
      state = ok(await airflow.GET("/api/v2/dags/{dag_id}/dagRuns/{dag_run_id}", thisRun),
                 "GET /api/v2/dags/{dag_id}/dagRuns/{dag_run_id}").state;
    }
    console.log(`the run finished: ${state}`);
    const xcom = ok(await airflow.GET(
      "/api/v2/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/xcomEntries/{xcom_key}",
      { params: { path: { ...thisRun.params.path, task_id: "report", xcom_key: "return_value" } } },
    ), "GET .../taskInstances/report/xcomEntries/return_value");
    console.log(`report returned: ${JSON.stringify(xcom.value)}`);
  } finally {
    const deleted = await airflow.DELETE("/api/v2/dags/{dag_id}/dagRuns/{dag_run_id}", thisRun);
    console.log(`deleted the run: ${deleted.response.status}`);
  }
}

main().catch((error: Error) => {
  const refused = (error.cause as { code?: string } | undefined)?.code === "ECONNREFUSED";
  console.error(refused ? `No Airflow answers at ${baseUrl}: start it with \`make airflow\`.`
                        : error.message);
  process.exit(1);
});
