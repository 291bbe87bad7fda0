"""The benchmark harness: the case matrix, one fresh process per try, round-robin, outputs
verified equal before any time is kept, machine facts, results.json."""
