"""Call-and-response (echo): a phrase is played, the client answers, the answer is scored
against the call trial by trial, and the difficulty follows the client (issue 12). Importing the
package registers it."""

from live.activities.call_response.activity import CallResponse
from live.activities.call_response.params import CallResponseParams

__all__ = ["CallResponse", "CallResponseParams"]
