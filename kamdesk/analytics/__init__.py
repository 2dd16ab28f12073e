"""Pure numeric code: arrays in, arrays out. Nothing here imports Django, so it is fast to test and the
same code serves pages, jobs, the command line and the benchmarks."""
