"""What lesson 30 claims, checked in its kernel right after the cell named (conftest.py), on Airflow 3 and
2.11 (where nbval compares no outputs)."""
AFTER = {
    "assets": """
        assert assets.set_index("uri")["scheduled_dags"].to_dict() == {
            RATES_URI: ["asset_two_inputs"], SALES_URI: ["asset_consumer", "asset_two_inputs"]}
        assert assets.set_index("uri")["producing_tasks"].to_dict()[SALES_URI] == ["asset_producer.land_sales_file"]
    """,
    "one-asset": """
        assert sales["uri"] == SALES_URI and [r["task_id"] for r in sales["producing_tasks"]] == ["land_sales_file"]
    """,
    "aliases": """
        assert af.major < 3 or (alias["name"], alias["group"]) == ("kit_landing_zone", "asset")
    """,
    "report-event": """
        assert reported["extra"] == {**S3_OBJECT, "from_rest_api": True}  # Airflow marks an event from the API
        assert reported["source_dag_id"] is None and reported["created_dagruns"] == []
    """,
    "consumer-runs": """
        assert consumer_runs[["run_type", "state"]].values.tolist() == [
            ["asset_triggered" if af.major >= 3 else "dataset_triggered", "success"]]
    """,
    "asset-events": """
        assert events["created_dagruns"].map(lambda runs: [r["dag_id"] for r in runs]).tolist() == [["asset_consumer"]]
    """,
    "queued-events": """
        assert waiting[["dag_id", "uri"]].values.tolist() == [["asset_two_inputs", SALES_URI]]
    """,
    "queue-entry": """
        assert entry["dag_id"] == "asset_two_inputs"
    """,
    "asset-queue": """
        assert [e["dag_id"] for e in sales_queue["queued_events"]] == ["asset_two_inputs"]
    """,
    "materialize": """
        assert af.major < 3 or (materialized["run_type"], materialized["dag_run_id"]) == (
            "asset_materialization", MATERIALIZE_RUN)
        assert af.major < 3 or len(consumer_runs) == 2  # the producer's event started asset_consumer again
    """,
    "state-store": """
        assert af.major < 3 or dict(zip(state["key"], state["value"])) == {
            "files_landed": 1, "last_key": "sales/2024-05-14/orders.csv"}
    """,
    "state-store-key": """
        assert af.major < 3 or (reload_from["value"]["key"], reload_from["last_updated_by"]["kind"]) == (
            "sales/2024-05-01/", "api")
    """,
    "state-store-delete": """
        assert af.major < 3 or state_left == {"asset_state_store": [], "total_entries": 0}
    """,
    "second-asset-event": """
        assert two_runs["state"].tolist() == ["success"]
    """,
    "upstream-events": """
        from_producer = {(SALES_URI, "asset_producer")} if af.major >= 3 else set()  # its materialized run
        assert set(map(tuple, upstream[["uri", "source"]].values.tolist())) == {
            (RATES_URI, "REST API"), (SALES_URI, "REST API")} | from_producer
    """,
    "queue-then-delete-all": """
        assert queue_left == [] and len(finished_runs("asset_two_inputs", 1)) == 1  # deleted events start no run
    """,
    "cleanup": """
        assert all(finished_runs(dag_id, 0).empty for dag_id in LESSON_DAGS)
    """,
}
