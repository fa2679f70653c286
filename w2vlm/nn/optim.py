"""SGD and Adam over parallel (params, grads) lists, dense or sparse, plus global-norm gradient clipping."""

from ..backend import array_module, is_gpu, scatter_add, to_cpu
from .sparse import SparseGrad


def global_norm(grads):
    """L2 norm of all gradients together, as a 0-d array (cast at the edge)."""
    total = 0.0
    for g in grads:
        if isinstance(g, SparseGrad):
            total = total + g.sq_norm()
        else:
            total = total + (g * g).sum()
    xp = array_module(total)
    return xp.sqrt(total)


def clip_grads(grads, max_norm):
    """Scale every gradient so that their global norm is at most ``max_norm``; returns the norm before clipping.

    On the GPU every gradient is scaled by min(rate, 1) on the device, so no step waits for the host; on the CPU
    the rate is read and gradients under the limit are left alone.
    """
    norm = global_norm(grads)
    rate = max_norm / (norm + 1e-6)
    xp = array_module(norm)
    if is_gpu(xp):
        rate = xp.minimum(rate, 1.0)
    elif float(rate) >= 1.0:
        return norm
    for g in grads:
        if isinstance(g, SparseGrad):
            g.scale(rate)
        else:
            g *= rate
    return norm


class SGD:
    """Plain stochastic gradient descent: p -= lr * g (sparse gradients update only their rows)."""

    def __init__(self, lr=0.01):
        self.lr = lr

    def update(self, params, grads):
        for p, g in zip(params, grads):
            if isinstance(g, SparseGrad):
                if not g.empty:
                    scatter_add(p, g.rows, g.values * (-self.lr))
            else:
                p -= self.lr * g

    def state_dict(self):
        return {"lr": float(self.lr)}

    def load_state_dict(self, state):
        self.lr = float(state["lr"])


class Adam:
    """Adam (Kingma & Ba 2015); sparse gradients get lazy updates of their rows only, as PyTorch's SparseAdam."""

    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
        self.step = 0
        self.m = self.v = None

    def update(self, params, grads):
        xp = array_module(params[0])
        if self.m is None:
            self.m = [xp.zeros_like(p) for p in params]
            self.v = [xp.zeros_like(p) for p in params]
        self.step += 1
        correction = (1 - self.beta2 ** self.step) ** 0.5 / (1 - self.beta1 ** self.step)
        lr_t = self.lr * correction
        for p, g, m, v in zip(params, grads, self.m, self.v):
            if isinstance(g, SparseGrad):
                if g.empty:
                    continue
                rows, values = g.coalesce()  # on CuPy rows may repeat, with equal values: assign, never add
                m_rows = m[rows] + (1 - self.beta1) * (values - m[rows])
                v_rows = v[rows] + (1 - self.beta2) * (values * values - v[rows])
                m[rows], v[rows] = m_rows, v_rows
                p[rows] = p[rows] - lr_t * m_rows / (xp.sqrt(v_rows) + self.eps)
            else:
                m += (1 - self.beta1) * (g - m)
                v += (1 - self.beta2) * (g * g - v)
                p -= lr_t * m / (xp.sqrt(v) + self.eps)

    def state_dict(self):
        """Scalars plus host copies of the moment arrays (``m.0``, ``v.0``, ...) for checkpoints."""
        state = {"lr": float(self.lr), "step": int(self.step)}
        for i, (m, v) in enumerate(zip(self.m or [], self.v or [])):
            state[f"m.{i}"], state[f"v.{i}"] = to_cpu(m).copy(), to_cpu(v).copy()
        return state

    def load_state_dict(self, state, xp=None):
        self.lr = float(state["lr"])
        self.step = int(state["step"])
        count = sum(1 for k in state if k.startswith("m."))
        if count:
            asarray = (xp.asarray if xp is not None else (lambda a: a))
            self.m = [asarray(state[f"m.{i}"]) for i in range(count)]
            self.v = [asarray(state[f"v.{i}"]) for i in range(count)]
