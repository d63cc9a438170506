// Never served: the host file next to it is invalid, so nothing runs.
