#!/usr/bin/python3
"""PyTorch on this machine, for the README's same-session comparison.

    OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/pytorch.py --threads 1
    OPENBLAS_NUM_THREADS=2 /usr/bin/python3 bench/pytorch.py --threads 2

(Debian: apt-get install -y python3-torch libopenblas0-pthread.) Times the
training step of the bench's workloads (bench/README.md): an nn.RNN (tanh),
nn.LSTM or nn.GRU with batch_first, then nn.Linear; loss (1/B)·Σ ½‖y − target‖²;
forward, full BPTT and one plain SGD update. Prints the median and the minimum
ms of repeated steps, and GFLOP/s by the bench's nominal count.
"""
import argparse
import statistics
import time

import torch

SIZES = {"S": (16, 64, 16, 32, 16), "M": (64, 128, 64, 64, 32), "L": (128, 256, 128, 128, 32)}
GATES = {"elman": 1, "lstm": 4, "gru": 3}
LAYERS = {"elman": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}
WORKLOADS = [(cell, size, 1) for cell in ("elman", "lstm", "gru") for size in ("S", "M", "L")] + [("lstm", "M", 2)]


def step_time(cell, size, layers, seconds):
    p, r, o, T, B = SIZES[size]
    torch.manual_seed(1)
    rnn = LAYERS[cell](p, r, num_layers=layers, batch_first=True)
    head = torch.nn.Linear(r, o)
    sgd = torch.optim.SGD(list(rnn.parameters()) + list(head.parameters()), lr=1e-5)
    x, target = torch.randn(B, T, p), torch.randn(B, T, o)

    def step():
        sgd.zero_grad(set_to_none=True)
        h, _ = rnn(x)
        loss = 0.5 * ((head(h) - target) ** 2).sum() / B
        loss.backward()
        sgd.step()

    for _ in range(3):
        step()
    times, end = [], time.perf_counter() + seconds
    while len(times) < 5 or time.perf_counter() < end:
        start = time.perf_counter()
        step()
        times.append((time.perf_counter() - start) * 1000)
    G = GATES[cell]
    flops = 6 * B * T * (G * r * p + G * r * r + o * r + (layers - 1) * 2 * G * r * r)
    median = statistics.median(times)
    return median, min(times), flops / median / 1e6


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=2.0)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"PyTorch {torch.__version__}, {args.threads} thread(s); median ms per training step (min), GFLOP/s")
    for cell, size, layers in WORKLOADS:
        median, fastest, gflops = step_time(cell, size, layers, args.seconds)
        name = f"{size} {'' if cell == 'elman' else cell.upper() + ' '}{'2-layer ' if layers > 1 else ''}train"
        print(f"{name:<22} {median:9.3f} ({fastest:.3f})  {gflops:6.1f}")


if __name__ == "__main__":
    main()
