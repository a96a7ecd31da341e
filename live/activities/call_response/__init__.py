"""Call-and-response (echo): a phrase is played, the client answers, the answer is scored
against the call trial by trial, and the difficulty follows the client (issue 12)."""
