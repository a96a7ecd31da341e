"""The voice: sung notes found in audio and their pitch (after an answer, with librosa's pYIN)
and a cheap live pitch estimate for feedback while a client sings."""
