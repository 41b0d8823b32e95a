# The benchmark's WeSAM + weak labels runs are watched by the no-harm guard without
# letting it act (restore_best=False): training is exactly that of the unguarded run (the
# guard keeps the random state), its final weights are reported as 'wesam_wl' and the
# weights the guard would have kept as 'wesam_wl+guard' (synthetic_benchmark/runs.py).
# Scored on the first 50 adaptation images at iterations 0, 20, 40 and 60.
guard_watch_hooks = [
    dict(type='TeacherUpdateHook', momentum=None),
    dict(type='NoHarmGuardHook', interval=20, max_images=50, restore_best=False)]
