// The Postman side of notebooks/41_human_in_the_loop.ipynb: a section per API call, naming it (postman/folder_scripts.py, CONTRIBUTING.md).

/**
 * Airflow 3 only: Airflow 2 has no human-in-the-loop tasks, so on Airflow 2 every request of this folder
 * skips itself. The run ids are fixed (`kit_41_approved`, `kit_41_rejected`), so the folder ends and deletes
 * leftovers first and its runs at the end. The requests that stand for a loop of the notebook are sent once
 * per value (the Collection Runner repeats them; with Send, send them once per value). Requests that answer a
 * question wait in their pre-request script until the task waits for an answer, and then 3 s more, as the
 * lesson does: Airflow 3.3.2 may fail a task answered within a second or two of asking (the lesson's
 * *Under the hood* says why).
 *
 * @airflow3
 * @status 200
 */

/** 0a · Start clean: end leftover runs
 * @call PATCH /dags/{DAG_ID}/dagRuns/{run_id}
 * @status 200 404
 *
 * Sent once for each run id (`runId41`): a run that has not finished cannot be deleted, so a leftover of an
 * interrupted earlier run is first marked failed. 200: ended; 404: nothing to end.
 *
 * @where run_id = {{runId41}}
 */
prerequest: { loopPre('runId41', ["kit_41_approved", "kit_41_rejected"]); }
test: {
  rememberEnded();
  loopNext('runId41', 2);
}

/** 0b · Start clean: delete leftover runs
 * @call DELETE /dags/{DAG_ID}/dagRuns/{run_id} in start-clean
 * @status 204 404
 *
 * Sent once for each run id (`runId41`). 204: deleted; 404: nothing to delete.
 *
 * @where run_id = {{runId41}}
 */
prerequest: {
  waitForSchedulerIfEnded();
  loopPre('runId41', ["kit_41_approved", "kit_41_rejected"]);
}
test: { loopNext('runId41', 2); }

/** 1 · Trigger two runs
 * @call POST /dags/{DAG_ID}/dagRuns
 *
 * Sent once for each run (`runId41`, with its report's title in `title41`): the first report will be
 * approved, the second rejected.
 *
 * @where run_id = {{runId41}}
 * @where title = {{title41}}
 */
prerequest: {
  loopPreEach('run41', [
               {"runId41": "kit_41_approved", "title41": "Weekly sales"},
               {"runId41": "kit_41_rejected", "title41": "Monthly returns"}]);
}
test: {
  const data = pm.response.json();
  pm.test("queued, with the id and title asked for", () => {
    pm.expect([data.dag_run_id, data.state]).to.eql([pm.collectionVariables.get('runId41'), 'queued']);
    pm.expect(data.conf).to.eql({title: pm.collectionVariables.get('title41')});
  });
  loopNext('run41', 2);
}

/** 2a · The runs wait for a person: review
 * @call GET /dags/{DAG_ID}/dagRuns/{run_id}/taskInstances/{task_id}
 *
 * The notebook asks this every half second, for both runs; here the pre-request script does, and this
 * request shows the first run's `review`.
 *
 * @where run_id = kit_41_approved
 * @where task_id = review
 */
prerequest: { waitForTaskOn3('report_review', 'review', ["awaiting_input", "deferred"], 3, 'kit_41_approved', 'kit_41_rejected'); }
test: {
  pm.test("review waits for an answer", () => pm.expect(pm.response.json().state).to.be.oneOf(['awaiting_input', 'deferred']));
}

/** 2b · The task instances of the first run
 * @call GET /dags/{DAG_ID}/dagRuns/{run_id}/taskInstances
 *
 * @where run_id = kit_41_approved
 */
test: {
  const states = Object.fromEntries(pm.response.json().task_instances.map(t => [t.task_id, t.state]));
  pm.test("prepare_report succeeded, review waits, the rest has no state yet", () => {
    pm.expect(states.prepare_report).to.eql('success');
    pm.expect(states.review).to.be.oneOf(['awaiting_input', 'deferred']);
    pm.expect([states.choose_channel, states.send_email, states.post_to_slack]).to.eql([null, null, null]);
  });
}

/** 3.1 · The questions waiting in one run
 * @call GET /dags/{DAG_ID}/dagRuns/{APPROVED}/hitlDetails
 */
test: {
  const details = pm.response.json().hitl_details;
  pm.test("one question, from review, not answered yet", () => pm.expect(details.map(d => [d.task_instance.task_id, d.subject, d.options, d.response_received])).to.eql([
    ['review', 'Publish the report Weekly sales?', ['Approve', 'Reject'], false]]));
}

/** 3.2 · The inbox: questions waiting in every run of every DAG
 * @call GET /dags/~/dagRuns/~/hitlDetails
 *
 * `order_by=-ti_id` puts the newest questions first, so that this folder's are on the one page the request
 * reads.
 *
 * @query order_by=-ti_id
 */
test: {
  const mine = pm.response.json().hitl_details.map(d => d.task_instance).filter(ti => ['kit_41_approved', 'kit_41_rejected'].includes(ti.dag_run_id));
  pm.test("review waits in both runs of this folder", () => pm.expect(mine.map(ti => ti.dag_run_id + ' ' + ti.task_id).sort()).to.eql([
    'kit_41_approved review', 'kit_41_rejected review']));
}

/** 4 · Read one question
 * @call GET /dags/{DAG_ID}/dagRuns/{APPROVED}/taskInstances/review/-1/hitlDetails
 */
test: {
  const question = pm.response.json();
  pm.test("options, defaults and the form's field", () => {
    pm.expect([question.options, question.defaults, question.multiple]).to.eql([['Approve', 'Reject'], ['Reject'], false]);
    pm.expect(Object.keys(question.params)).to.eql(['note']);
    pm.expect(question.response_received).to.eql(false);
  });
}

/** 5 · An answer Airflow refuses
 * @call PATCH /dags/{DAG_ID}/dagRuns/{APPROVED}/taskInstances/review/-1/hitlDetails in answer-refused
 * @status 400
 *
 * `Maybe` is not one of the options: 400, and nothing is recorded.
 */
test: {
  pm.test("names the options allowed", () => pm.expect(pm.response.json().detail).to.include("allowed options are ['Approve', 'Reject']"));
}

/** 6 · Answer: approve, with a note
 * @call PATCH /dags/{DAG_ID}/dagRuns/{APPROVED}/taskInstances/review/-1/hitlDetails in answer-approve
 *
 * Change the note (the form's one field, `note`); send no other field: Airflow does not check them here, and
 * a field the form does not have fails the task when it resumes.
 */
test: {
  const answer = pm.response.json();
  pm.test("recorded, with who answered", () => {
    pm.expect(answer.chosen_options).to.eql(['Approve']);
    pm.expect(answer.params_input).to.eql({note: 'Figures checked by finance'});
    pm.expect(answer.responded_by.name).to.be.a('string');
  });
}

/** 6.1 · A second answer
 * @call PATCH /dags/{DAG_ID}/dagRuns/{APPROVED}/taskInstances/review/-1/hitlDetails in answer-again
 * @status 409
 *
 * The question has its answer: 409, the first answer counts.
 */
test: {
  pm.test("not allowed to write again", () => pm.expect(pm.response.json().detail).to.include('not allowed to write again'));
}

/** 7 · The next question: where to publish
 * @call PATCH /dags/{DAG_ID}/dagRuns/{APPROVED}/taskInstances/choose_channel/-1/hitlDetails
 *
 * The pre-request script waits until `choose_channel` waits for an answer (and 3 s more).
 */
prerequest: { waitForTaskOn3('report_review', 'choose_channel', ["awaiting_input", "deferred"], 3, 'kit_41_approved'); }
test: { pm.test("Slack chosen", () => pm.expect(pm.response.json().chosen_options).to.eql(['Slack'])); }

/** 8 · The run takes the chosen branch: what post_to_slack published
 * @call GET /dags/{DAG_ID}/dagRuns/{APPROVED}/taskInstances/post_to_slack/xcomEntries/return_value
 *
 * The pre-request script waits until the run has finished.
 */
prerequest: { waitForRunsOn3(120, runUrl('report_review', 'kit_41_approved')); }
test: {
  const sent = pm.response.json().value;
  pm.test("the report, with the reviewer's note", () => pm.expect([sent.channel, sent.title, sent.note]).to.eql(['slack', 'Weekly sales', 'Figures checked by finance']));
}

/** 9 · Reject the other report
 * @call PATCH /dags/{DAG_ID}/dagRuns/{REJECTED}/taskInstances/review/-1/hitlDetails
 *
 * Its question has been waiting since request 2a.
 */
test: {
  const answer = pm.response.json();
  pm.test("rejected, with the reason", () => pm.expect([answer.chosen_options, answer.params_input]).to.eql([['Reject'], {note: 'Returns are counted twice'}]));
}

/** 10 · Ask again: clear the task
 * @call POST /dags/{DAG_ID}/clearTaskInstances
 *
 * The pre-request script first waits until the rejected run has finished (nothing published).
 */
prerequest: { waitForRunsOn3(120, runUrl('report_review', 'kit_41_rejected')); }
test: {
  const cleared = pm.response.json().task_instances.map(t => t.task_id).sort();
  pm.test("review and the tasks after it", () => pm.expect(cleared).to.eql(['choose_channel', 'post_to_slack', 'review', 'send_email']));
}

/** 10.1a · The task's tries
 * @call GET /dags/{DAG_ID}/dagRuns/{REJECTED}/taskInstances/review/tries
 *
 * The pre-request script waits until try 2 asks its question (it is not answered: no need to wait longer).
 */
prerequest: { waitForTaskOn3('report_review', 'review', ["awaiting_input", "deferred"], 0, 'kit_41_rejected'); }
test: {
  const tries = pm.response.json().task_instances.map(t => [t.try_number, t.state]);
  pm.test("try 1 finished, try 2 waits", () => {
    pm.expect(tries.map(t => t[0])).to.eql([1, 2]);
    pm.expect(tries[0][1]).to.eql('success');
    pm.expect(tries[1][1]).to.be.oneOf(['awaiting_input', 'deferred']);
  });
}

/** 10.1b · One try
 * @call GET /dags/{DAG_ID}/dagRuns/{REJECTED}/taskInstances/review/-1/tries/1
 */
test: {
  const first = pm.response.json();
  pm.test("try 1 succeeded", () => pm.expect([first.try_number, first.state]).to.eql([1, 'success']));
}

/** 10.2 · Each try's question and answer
 * @call GET /dags/{DAG_ID}/dagRuns/{REJECTED}/taskInstances/review/-1/hitlDetails/tries/{try_number}
 *
 * Sent once for each try (`hitlTry41`: 1, then 2).
 *
 * @where try_number = {{hitlTry41}}
 */
prerequest: { loopPre('hitlTry41', [1, 2]); }
test: {
  const detail = pm.response.json();
  const tryNumber = Number(pm.collectionVariables.get('hitlTry41'));
  pm.test("try 1 was rejected; try 2 waits for its answer", () => pm.expect([detail.task_instance.try_number, detail.response_received, detail.chosen_options]).to.eql(
    tryNumber === 1 ? [1, true, ['Reject']] : [2, false, null]));
  loopNext('hitlTry41', 2);
}

/** Cleanup 1 · End the run that still waits
 * @call PATCH /dags/{DAG_ID}/dagRuns/{REJECTED}
 *
 * A run that has not finished cannot be deleted (409): marking it failed ends it, and withdraws the question.
 */
test: {
  rememberEnded();
  runStateIs('failed', "failed");
}

/** Cleanup 2 · Delete the runs
 * @call DELETE /dags/{DAG_ID}/dagRuns/{run_id} in cleanup
 * @status 204
 *
 * Sent once for each run id (`runId41`).
 *
 * @where run_id = {{runId41}}
 */
prerequest: {
  waitForSchedulerIfEnded();
  loopPre('runId41', ["kit_41_approved", "kit_41_rejected"]);
}
test: { loopNext('runId41', 2); }
