"""Rules on the shell scripts that workloads run: ``command``/``args`` with ``sh -c``, scripts
mounted from ConfigMaps, and kubectl run directly."""
