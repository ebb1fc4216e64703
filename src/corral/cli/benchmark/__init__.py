"""The benchmark behind ``python -m corral bench``.

``workloads`` says what is timed, ``database`` prepares and checks the table through the
raw driver, ``worker`` times one (workload, implementation) cell in its own process,
``report`` renders the results; one module per library implements every workload.
"""
