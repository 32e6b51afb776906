"""Small helpers for ``IReactorTime.callLater`` calls, shared by the connection code."""
from typing import Any, Optional


def cancel_call(call: Optional[Any]) -> None:
    """Cancel a pending delayed call; harmless when it is ``None``, already ran or was cancelled."""
    if call is not None and call.active():
        call.cancel()
