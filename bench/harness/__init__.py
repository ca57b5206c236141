"""The benchmark harness behind `bench/run.py`: bodies, servers, load generators, reports."""
