"""The client touchscreen (pygame, its own process) and the therapist's terminal console."""
