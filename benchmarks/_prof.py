import cProfile, os, pstats, statistics, sys, time
import numpy as np
sys.path.insert(0, os.getcwd()); sys.path.insert(0, os.path.join(os.getcwd(), "benchmarks"))
import glassnet as gn
import glassnet.ops.conv as C
import conv_layers as CL

def med(f, n=9):
    f(); ts = []
    for _ in range(n):
        t = time.perf_counter(); f(); ts.append(time.perf_counter() - t)
    return round(statistics.median(ts) * 1e3, 2)

rng = np.random.default_rng(0)
for name in ["lenet_conv1", "lenet_conv2", "vgg_conv", "vgg_conv_widen"]:
    shape, (kind, args, kw), ig = CL.WORKLOADS[name]
    x = rng.standard_normal(shape).astype(np.float32)
    layer = getattr(gn.nn, kind)(*args, **kw)
    xt = gn.tensor(x, requires_grad=ig)
    y = layer(xt)
    node = y.grad_fn
    g = rng.standard_normal(y.shape).astype(np.float32)
    geom, w = node.geom, layer.weight.data
    r = {"fw": med(lambda: layer(xt)), "im2col": med(lambda: C.im2col(x, geom, 1)),
         "input_grad": med(lambda: C.input_grad_arrays(g, w, geom, 1)),
         "wgrad": med(lambda: C.weight_grad_from_cols(node.cols, g, w.shape, 1)),
         "bgrad": med(lambda: g.sum(axis=(0, 2, 3))),

         "fb": med(CL._layer_step(name, "glassnet", 2))}
    print(name, r, flush=True)
step = CL.lenet_train("glassnet", 2)
for _ in range(3): step()
print("lenet step", med(step, 15))
cProfile.run("for _ in range(20): step()", "/tmp/lenet.prof")
pstats.Stats("/tmp/lenet.prof").sort_stats("tottime").print_stats(18)
from glassnet.ops import windows
for name in ["vgg_conv", "lenet_conv2"]:
    step = CL._layer_step(name, "glassnet", 2)
    res = {}
    for _ in range(3):
        for label, limit in [("pooled", 2 << 30), ("fresh", 0)]:
            windows._POOL_BYTES = limit
            windows._pool.clear()
            res.setdefault(label, []).append(med(step, 5))
    print(name, {k: min(v) for k, v in res.items()}, flush=True)
windows._POOL_BYTES = 2 << 30
