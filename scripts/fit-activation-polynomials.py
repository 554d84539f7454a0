# Reproduces the polynomial coefficients in assembly/activation.ts (needs python3 with mpmath: pip install mpmath).
# Weighted minimax (Remez exchange) fits for rnnkit's f32x4 exp and tanh, in mpmath:
# find c minimising max_x |w(x) (sum_j c_j phi_j(x) - f(x))| on [a, b].
import mpmath as mp
mp.mp.dps = 40

def remez(f, w, phis, a, b, iters=30):
    n = len(phis) + 1
    xs = [(a+b)/2 - (b-a)/2*mp.cos(mp.pi*(i+0.5)/n) for i in range(n)]
    err = None
    for it in range(iters):
        A = mp.matrix(n, n); rhs = mp.matrix(n, 1)
        for i, x in enumerate(xs):
            for j, phi in enumerate(phis): A[i, j] = w(x)*phi(x)
            A[i, n-1] = (-1)**i
            rhs[i] = w(x)*f(x)
        sol = mp.lu_solve(A, rhs)
        c = [sol[j] for j in range(n-1)]
        err = lambda x, c=c: w(x)*(sum(cj*phi(x) for cj, phi in zip(c, phis)) - f(x))
        N = 2000
        grid = [a + (b-a)*k/N for k in range(N+1)]
        vals = [err(x) for x in grid]
        ext = [0] + [k for k in range(1, N) if (vals[k]-vals[k-1])*(vals[k+1]-vals[k]) <= 0] + [N]
        pts = []
        for k in ext:
            if abs(vals[k]) < 1e-300: continue
            if pts and mp.sign(vals[k]) == mp.sign(vals[pts[-1]]):
                if abs(vals[k]) > abs(vals[pts[-1]]): pts[-1] = k
            else: pts.append(k)
        while len(pts) > n:
            if abs(vals[pts[0]]) < abs(vals[pts[-1]]): pts.pop(0)
            else: pts.pop()
        if len(pts) < n: break
        xs = []
        for k in pts:
            x = grid[k]
            if 0 < k < N:
                # golden-section refine of |err| on [grid[k-1], grid[k+1]]
                lo, hi = grid[k-1], grid[k+1]
                s = mp.sign(vals[k])
                for _ in range(60):
                    m1 = lo + (hi-lo)*0.382; m2 = lo + (hi-lo)*0.618
                    if s*err(m1) > s*err(m2): hi = m2
                    else: lo = m1
                x = (lo+hi)/2
            xs.append(x)
    m = max(abs(v) for v in vals)
    return c, m

if __name__ == '__main__':
    h = mp.log(2)/2
    # exp on |r| <= ln2/2: e^r ~ 1 + r + sum_j q_j r^(j+2), relative error (w = e^-r)
    for deg in (3, 4, 5):
        phis = [lambda r, j=j: r**(j+2) for j in range(deg+1)]
        c, m = remez(lambda r: mp.exp(r)-1-r, lambda r: mp.exp(-r), phis, -h, h)
        print('exp total degree', deg+2, 'rel err', mp.nstr(m, 4), [mp.nstr(x, 12) for x in c])
    # tanh on [0, C]: tanh x ~ x + sum_j p_j x^(2j+3), relative error; in z = x^2, divided by x
    for C in (0.5, 0.55, 0.625):
        for deg in (2, 3, 4):
            phis = [lambda z, j=j: z**(j+1) for j in range(deg+1)]
            f = lambda z: mp.tanh(mp.sqrt(z))/mp.sqrt(z) - 1 if z > 0 else mp.mpf(0)
            w = lambda z: mp.sqrt(z)/mp.tanh(mp.sqrt(z)) if z > 0 else mp.mpf(1)
            c, m = remez(f, w, phis, mp.mpf(0), mp.mpf(C)**2)
            print('tanh C', C, 'odd degree', 2*deg+3, 'rel err', mp.nstr(m, 4), [mp.nstr(x, 12) for x in c])
