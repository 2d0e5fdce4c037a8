"""The review desk: a local Label Studio, records <-> tasks, pulls to gold records, the ML backend."""
