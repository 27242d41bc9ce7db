"""Worker for ``mpirun -np 2``: rank 1 fails while rank 0 waits for it in a collective.

Without glassnet's exception hook rank 0 would wait forever; with it the
whole job ends, with a message that names the failing rank.
"""

import glassnet
from glassnet import distributed as dist

rank, size = dist.init()
if rank == 1:
    raise ValueError("rank 1 fails on purpose")
dist.all_reduce(glassnet.zeros(3))  # rank 1 never comes
print("rank 0 went on: the job was not aborted", flush=True)
