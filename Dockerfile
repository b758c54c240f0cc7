# The Astro CLI project of airflow-api-kit: `astro dev start` builds this image and runs the kit's
# DAGs on it (docs/astro.md). Astro Runtime 3.3-8 ships Apache Airflow 3.3.2, the
# version requirements/airflow3.in pins; tests/test_astro.py checks that the two agree.
# To move to another Airflow, change both, and the table in tests/test_astro.py.
FROM astrocrpublic.azurecr.io/runtime:3.3-8
# include/ is a package the DAGs and plugins import (include.sql_guard): the project folder is on the path.
ENV PYTHONPATH=/usr/local/airflow${PYTHONPATH:+:${PYTHONPATH}}
