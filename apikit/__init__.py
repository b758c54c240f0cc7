"""airflow-api-kit's helper: `from apikit import connect`."""
from apikit.client import (
                           Airflow,
                           AirflowAPIError,
                           AirflowAuthError,
                           AirflowError,
                           AirflowNotRunning,
                           AirflowTimeout,
                           connect,
)

__all__ = ["Airflow", "AirflowAPIError", "AirflowAuthError", "AirflowError", "AirflowNotRunning",
           "AirflowTimeout", "connect"]
