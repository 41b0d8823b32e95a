"""Run a tool as ``__main__`` (``python report_threads.py tools/train.py ARGS``), then print
the gloo threads still running in this process: ``finish_distributed`` must have stopped
them (threads left to the interpreter's exit made a rank abort now and then)."""
import os
import runpy
import sys


def gloo_threads() -> list:
    """Names of this process's native threads that gloo runs (its TCP loop, workers)."""
    names = []
    for task in os.listdir('/proc/self/task'):
        try:
            with open(f'/proc/self/task/{task}/comm') as f:
                names.append(f.read().strip())
        except OSError:  # the thread ended meanwhile
            pass
    return sorted(name for name in names if 'gloo' in name)


if __name__ == '__main__':
    sys.argv = sys.argv[1:]
    sys.path.insert(0, os.path.dirname(sys.argv[0]))
    runpy.run_path(sys.argv[0], run_name='__main__')
    print(f'rank {os.environ.get("RANK")}: gloo threads left: {gloo_threads()}', flush=True)
