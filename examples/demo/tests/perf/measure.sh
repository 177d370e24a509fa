#!/bin/sh
# Record measurements with tolerances; megatest computes pass/fail per value.
$MT_MEGATEST -set-values :category perf :variable throughput :value 980 :expected 1000 :tol 50 :units ops/s
$MT_MEGATEST -set-values :category perf :variable latency    :value 12  :expected 10   :tol 5  :units ms
echo measured
