// The Postman side of notebooks/61_openapi_spec.ipynb: a section per API call, naming it (postman/folder_scripts.py, CONTRIBUTING.md).

/**
 * The notebook reads Airflow 3's OpenAPI document, which the server serves at its root (`{{baseUrl}}/openapi.json`,
 * not under `{{api}}`) to anyone, signed in or not. The folder skips itself on Airflow 2, whose document is
 * `/api/v1/openapi.yaml` (folder 90): the notebook is Airflow 3 only.
 *
 * @airflow3
 * @status 200
 */

/** 1 · The OpenAPI document
 * @call GET /openapi.json
 *
 * The test checks what the notebook reads in it: OpenAPI 3.1 for the API's version 2, and the trigger of a DAG
 * run, whose body requires `logical_date` and refuses fields it does not list.
 */
test: {
  const spec = pm.response.json();
  pm.test("an OpenAPI 3.1 document of the API's version 2", () => {
    pm.expect(spec.openapi).to.match(/^3\.1\./);
    pm.expect(spec.info.version).to.eql('2');
  });
  pm.test("the trigger's body requires logical_date, and no other field", () => {
    const body = spec.components.schemas.TriggerDAGRunPostBody;
    pm.expect(spec.paths['/api/v2/dags/{dag_id}/dagRuns'].post.operationId).to.eql('trigger_dag_run');
    pm.expect([body.required, body.additionalProperties]).to.eql([['logical_date'], false]);
  });
}
