"""The kit's local Airflow stacks and JupyterLab: start, check and stop them, and only what they started.

`python -m stacks.stack start|stop|status|restart|reset` (stack.py), `python -m stacks.jupyter` (jupyter.py),
both on processes.py; paths.py says where everything is. The notebooks' helper, `apikit`, never imports this.
"""
