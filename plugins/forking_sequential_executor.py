"""The executor of the kit's Airflow 2.11 stack: Airflow 2's SequentialExecutor, one task at a time (the
only kind Airflow 2 allows on SQLite), that forks the scheduler to run each task instead of starting a
new Python for it.

SequentialExecutor runs `airflow tasks run ...` as a new process for every task: a new Python that
imports Airflow and its CLI first, about 2 s of CPU for a task that itself takes milliseconds, so a run
of the five-task `random_failures` takes 12 s. This runs the same command the way Airflow 2's own
LocalExecutor does without `execute_tasks_new_python_interpreter`: in a fork, which has Airflow imported
already. Everything else is SequentialExecutor's: one task at a time, the scheduler waiting for it, the
same task logs and states. On Airflow 3 this file is not used (Airflow 3 runs on the LocalExecutor).
"""
from __future__ import annotations

import logging
import os
import signal

try:
    from airflow.executors.sequential_executor import SequentialExecutor
except ImportError:  # Airflow 3 has no SequentialExecutor; the kit's Airflow 3 does not use this file
    SequentialExecutor = object


class ForkingSequentialExecutor(SequentialExecutor):
    """SequentialExecutor, with each task's command run in a fork of the scheduler."""

    def start(self) -> None:
        super().start()
        # What every task's command imports, once, here: each fork then has it already.
        from airflow.cli.cli_parser import get_parser
        from airflow.cli.commands import task_command  # noqa: F401

        get_parser()

    def sync(self) -> None:
        for key, command in self.commands_to_run:
            self.log.info("Executing command in a fork: %s", command)
            if self._run_in_fork(command) == 0:
                self.success(key)
            else:
                self.fail(key)
                self.log.error("Task %s failed.", key)
        self.commands_to_run = []

    def _run_in_fork(self, command: list[str]) -> int:
        pid = os.fork()
        if pid:
            _, status = os.waitpid(pid, 0)
            return os.waitstatus_to_exitcode(status)
        code = 1
        try:  # in the child: what `airflow tasks run ...` would do, without starting Python again
            from airflow.cli.cli_parser import get_parser

            for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGUSR2):
                signal.signal(sig, signal.SIG_DFL)
            args = get_parser().parse_args(command[1:])  # [1:]: without "airflow"
            args.shut_down_logging = False
            args.func(args)
            code = 0
        except BaseException:
            logging.getLogger(__name__).exception("Task command failed: %s", command)
        finally:
            logging.shutdown()
            os._exit(code)
