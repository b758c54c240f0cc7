"""airflow-api-kit's helper: `from apikit import connect`."""
from apikit.client import (
                           Airflow,
                           AirflowAPIError,
                           AirflowAuthError,
                           AirflowError,
                           AirflowNotRunning,
                           AirflowTimeout,
                           connect,
                           frame,
)

__all__ = ["Airflow", "AirflowAPIError", "AirflowAuthError", "AirflowError", "AirflowNotRunning",
           "AirflowTimeout", "connect", "frame"]
