"""Demo data generator and the benchmark runner behind `kamdesk demo` and `kamdesk bench`."""
