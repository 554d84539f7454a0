"""Write PyTorch reference fixtures for rnnkit's LSTM and GRU models into test/fixtures/torch/.

One JSON file per case (8 cases, see CASES below): the model's parameters, a padded ragged batch,
and what PyTorch computes for it in float64 -- the per-step outputs, the top layer's hidden states,
the final states, the loss and the gradient of the loss with respect to every parameter (and, for
per-sequence initial states given as data, with respect to those states). The JavaScript tests load
the weights into rnnkit's models and compare; PyTorch is the independent oracle.

Run (from the repository root, with Debian's PyTorch, not a pyenv/venv python):

    apt-get install -y python3-torch libopenblas0-pthread
    /usr/bin/python3 scripts/torch-fixtures.py

The script is deterministic (seeded, float64, one thread) and overwrites the files each run. After
writing, it reads every file back into a fresh model, checks that the recorded loss and gradients are
reproduced, and checks 3 parameter entries per case against float64 central differences; it prints
one line per case and exits non-zero if any check fails.

Model: [embedding = nn.Embedding(vocab, E)] -> rnn = nn.LSTM | nn.GRU(p, r, L, batch_first=True)
-> head = nn.Linear(r, o) applied at every step to the top layer's h, z = head(h_t); output y = F(z)
with F = identity | softmax | sigmoid.

Loss (rnnkit's definition). Per step t of sequence b, with mask m[b][t] in {0, 1}:
    mse (F identity):                  L_bt = 1/2 sum_k (z_k - tau_k)^2
    cross-entropy (F softmax, class c): L_bt = -log softmax(z)_c
    binary-cross-entropy (F sigmoid):  L_bt = -sum_k [tau_k log s(z_k) + (1 - tau_k) log(1 - s(z_k))]
    L = (1/B) sum_b sum_t m[b][t] L_bt
Ragged batches are padded after each sequence's length (zero inputs, token id 0) and run as a padded
batch (no pack_padded_sequence); the mask is 0 on padded steps. 'many-to-many' masks every valid step,
'many-to-one' only each sequence's last valid step.

Parameter values, inputs and targets are rounded to 4 decimals before use (so the decimal strings in
the JSON are exactly the float64 values PyTorch used, and the files stay small); the computed
quantities (outputs, hidden, states, loss, gradients) are written at full float64 precision (repr).

Fixture fields (flat arrays are row-major, as torch's .reshape(-1).tolist(); nested ones are
.tolist()): name, cell, numLayers, inputSize, hiddenSize, outputSize, vocabSize (embedding only),
output, loss (the loss function's name), task, initialState, batch, steps, lengths,
inputs [B][T][p] | tokens [B][T], targets [B][T][o] | classes [B][T], mask [B][T],
initialH/initialC [L][B][r] ('given' only), parameters {name: {shape, values}}, lossValue (the
loss, a number: "loss" already names the function), outputs [B][T][o] (F(z), padded steps too),
hidden [B][T][r], finalH/finalC [L][B][r] (h_n/c_n after step T, padding included),
gradients {name: flat dL/dtheta}, dInitialH/dInitialC (flat, 'given' only).
"""

import json
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as Fn

torch.set_default_dtype(torch.float64)
torch.set_num_threads(1)

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'torch')
DECIMALS = 4
LOSS_OF = {'identity': 'mse', 'softmax': 'cross-entropy', 'sigmoid': 'binary-cross-entropy'}

CASES = [
    dict(name='lstm-1layer-mse', cell='lstm', p=7, r=13, o=5, L=1, B=3, T=6, lengths=[6, 4, 5],
         task='many-to-many', output='identity', state='zeros'),
    dict(name='lstm-2layer-ce-learned', cell='lstm', p=7, r=13, o=5, L=2, B=3, T=5, lengths=[5, 5, 3],
         task='many-to-many', output='softmax', state='learned'),
    dict(name='lstm-1layer-r1-many-to-one', cell='lstm', p=3, r=1, o=2, L=1, B=2, T=4, lengths=[4, 2],
         task='many-to-one', output='sigmoid', state='given'),
    dict(name='gru-1layer-mse', cell='gru', p=7, r=13, o=5, L=1, B=3, T=6, lengths=[6, 4, 5],
         task='many-to-many', output='identity', state='zeros'),
    dict(name='gru-2layer-ce-learned', cell='gru', p=7, r=13, o=5, L=2, B=3, T=5, lengths=[5, 5, 3],
         task='many-to-many', output='softmax', state='learned'),
    dict(name='gru-1layer-r1-many-to-one', cell='gru', p=3, r=1, o=2, L=1, B=2, T=4, lengths=[4, 2],
         task='many-to-one', output='sigmoid', state='given'),
    dict(name='lstm-embedding-2layer', cell='lstm', vocab=11, p=6, r=9, o=11, L=2, B=3, T=5, lengths=[5, 3, 4],
         task='many-to-many', output='softmax', state='zeros'),
    dict(name='gru-embedding-1layer', cell='gru', vocab=7, p=5, r=8, o=3, L=1, B=2, T=4, lengths=[4, 4],
         task='many-to-many', output='identity', state='learned'),
]


def rounded(x):
    """x rounded to DECIMALS places: round(x * 10^d) / 10^d is the float64 nearest the decimal string."""
    s = 10.0 ** DECIMALS
    return torch.round(x * s) / s


class Model(nn.Module):
    def __init__(self, c):
        super().__init__()
        if c['state'] == 'learned':
            self.h0 = nn.Parameter(torch.zeros(c['L'], c['r']))
            if c['cell'] == 'lstm':
                self.c0 = nn.Parameter(torch.zeros(c['L'], c['r']))
        if 'vocab' in c:
            self.embedding = nn.Embedding(c['vocab'], c['p'])
        rnn = nn.LSTM if c['cell'] == 'lstm' else nn.GRU
        self.rnn = rnn(c['p'], c['r'], c['L'], batch_first=True, dropout=0.0)
        self.head = nn.Linear(c['r'], c['o'])
        self.c = c

    def forward(self, x, init=None):
        """x: [B][T][p] floats or [B][T] token ids; init: (h, c) [L][B][r] tensors for 'given', else None.
        Returns (z, hidden, (h_n, c_n | None))."""
        c = self.c
        B = x.shape[0]
        if 'vocab' in c:
            x = self.embedding(x)
        lstm = c['cell'] == 'lstm'
        if c['state'] == 'learned':
            h = self.h0.unsqueeze(1).expand(c['L'], B, c['r']).contiguous()
            s = (h, self.c0.unsqueeze(1).expand(c['L'], B, c['r']).contiguous()) if lstm else h
        elif c['state'] == 'given':
            s = (init[0], init[1]) if lstm else init[0]
        else:
            s = None
        hidden, final = self.rnn(x, s)
        fh, fc = final if lstm else (final, None)
        return self.head(hidden), hidden, (fh, fc)


def step_losses(c, z, targets):
    """L_bt for every step, [B][T] (unmasked)."""
    if c['output'] == 'identity':
        return 0.5 * ((z - targets) ** 2).sum(-1)
    if c['output'] == 'softmax':
        B, T, o = z.shape
        return Fn.cross_entropy(z.reshape(B * T, o), targets.reshape(B * T), reduction='none').reshape(B, T)
    return Fn.binary_cross_entropy_with_logits(z, targets, reduction='none').sum(-1)


def total_loss(c, model, data):
    z, hidden, final = model(data['x'], data.get('init'))
    loss = (data['mask'] * step_losses(c, z, data['targets'])).sum() / c['B']
    return loss, z, hidden, final


def outputs_of(c, z):
    if c['output'] == 'softmax':
        return torch.softmax(z, -1)
    if c['output'] == 'sigmoid':
        return torch.sigmoid(z)
    return z


def make_case(c, seed):
    torch.manual_seed(seed)
    model = Model(c)
    with torch.no_grad():
        for _, prm in model.named_parameters():
            prm.copy_(rounded(prm.uniform_(-0.6, 0.6)))
    B, T, L, r, o = c['B'], c['T'], c['L'], c['r'], c['o']
    lengths = torch.tensor(c['lengths'])
    valid = (torch.arange(T).unsqueeze(0) < lengths.unsqueeze(1))  # [B][T]
    if c['task'] == 'many-to-many':
        mask = valid.to(torch.float64)
    else:
        mask = torch.zeros(B, T)
        mask[torch.arange(B), lengths - 1] = 1.0
    if 'vocab' in c:
        x = torch.randint(0, c['vocab'], (B, T)) * valid
    else:
        x = torch.where(valid.unsqueeze(-1), rounded(torch.randn(B, T, c['p'])), 0.0)
    m = mask.bool()
    if c['output'] == 'identity':
        targets = torch.where(m.unsqueeze(-1), rounded(torch.randn(B, T, o)), 0.0)
    elif c['output'] == 'sigmoid':
        targets = torch.where(m.unsqueeze(-1), rounded(torch.empty(B, T, o).uniform_(0.05, 0.95)), 0.0)
    else:
        targets = torch.randint(0, o, (B, T)) * m
    data = dict(x=x, mask=mask, targets=targets)
    if c['state'] == 'given':
        h = rounded(torch.randn(L, B, r)).requires_grad_(True)
        cc = rounded(torch.randn(L, B, r)).requires_grad_(True) if c['cell'] == 'lstm' else None
        data['init'] = (h, cc)
    return model, data


def fixture(c, model, data):
    model.zero_grad()
    loss, z, hidden, (fh, fc) = total_loss(c, model, data)
    loss.backward()
    lstm = c['cell'] == 'lstm'
    f = dict(name=c['name'], cell=c['cell'], numLayers=c['L'], inputSize=c['p'], hiddenSize=c['r'],
             outputSize=c['o'])
    if 'vocab' in c:
        f['vocabSize'] = c['vocab']
    f.update(output=c['output'], loss=LOSS_OF[c['output']], task=c['task'], initialState=c['state'],
             batch=c['B'], steps=c['T'], lengths=list(c['lengths']))
    f['tokens' if 'vocab' in c else 'inputs'] = data['x'].tolist()
    f['classes' if c['output'] == 'softmax' else 'targets'] = data['targets'].tolist()
    f['mask'] = data['mask'].to(torch.int64).tolist()
    if c['state'] == 'given':
        f['initialH'] = data['init'][0].detach().tolist()
        if lstm:
            f['initialC'] = data['init'][1].detach().tolist()
    f['parameters'] = {name: {'shape': list(prm.shape), 'values': prm.detach().reshape(-1).tolist()}
                       for name, prm in model.state_dict(keep_vars=True).items()}
    f['lossValue'] = loss.item()
    f['outputs'] = outputs_of(c, z).detach().tolist()
    f['hidden'] = hidden.detach().tolist()
    f['finalH'] = fh.detach().tolist()
    if lstm:
        f['finalC'] = fc.detach().tolist()
    f['gradients'] = {name: prm.grad.reshape(-1).tolist() for name, prm in model.state_dict(keep_vars=True).items()}
    if c['state'] == 'given':
        f['dInitialH'] = data['init'][0].grad.reshape(-1).tolist()
        if lstm:
            f['dInitialC'] = data['init'][1].grad.reshape(-1).tolist()
    return f


def from_fixture(f):
    """Rebuild the case's model and data from a written fixture (what the JS test does, in PyTorch)."""
    c = dict(name=f['name'], cell=f['cell'], p=f['inputSize'], r=f['hiddenSize'], o=f['outputSize'],
             L=f['numLayers'], B=f['batch'], T=f['steps'], lengths=f['lengths'], task=f['task'],
             output=f['output'], state=f['initialState'])
    if 'vocabSize' in f:
        c['vocab'] = f['vocabSize']
    model = Model(c)
    with torch.no_grad():
        for name, prm in model.state_dict(keep_vars=True).items():
            rec = f['parameters'][name]
            assert list(prm.shape) == rec['shape'], name
            prm.copy_(torch.tensor(rec['values']).reshape(prm.shape))
    assert set(f['parameters']) == set(model.state_dict()), 'parameter names'
    data = dict(x=torch.tensor(f['tokens'] if 'vocab' in c else f['inputs']),
                mask=torch.tensor(f['mask'], dtype=torch.float64),
                targets=torch.tensor(f['classes'] if c['output'] == 'softmax' else f['targets']))
    if c['state'] == 'given':
        data['init'] = (torch.tensor(f['initialH']).requires_grad_(True),
                        torch.tensor(f['initialC']).requires_grad_(True) if c['cell'] == 'lstm' else None)
    return c, model, data


def max_rel(a, b):
    a, b = torch.as_tensor(a), torch.as_tensor(b)
    return ((a - b).abs() / a.abs().clamp_min(1.0)).max().item() if a.numel() else 0.0


def check(path, seed):
    """Re-load the file, reproduce loss/gradients, and compare 3 entries with central differences."""
    with open(path) as fh:
        f = json.load(fh)
    c, model, data = from_fixture(f)
    g = fixture(c, model, data)
    repro = max([max_rel(f['lossValue'], g['lossValue'])]
                + [max_rel(f[k], g[k]) for k in ('outputs', 'hidden', 'finalH', 'finalC', 'dInitialH', 'dInitialC') if k in f]
                + [max_rel(f['gradients'][n], g['gradients'][n]) for n in f['gradients']])
    # 3 random entries among those whose gradient is not negligible (|g| >= 1e-3, so the relative
    # error of a central difference, ~1e-10 absolute, is meaningful).
    entries = [(n, i) for n, v in f['gradients'].items() for i, gi in enumerate(v) if abs(gi) >= 1e-3]
    gen = torch.Generator().manual_seed(seed)
    picks = [entries[j] for j in torch.randperm(len(entries), generator=gen)[:3].tolist()]
    params = model.state_dict(keep_vars=True)
    eps = 1e-5
    worst = 0.0
    details = []
    with torch.no_grad():
        for n, i in picks:
            flat = params[n].view(-1)
            x0 = flat[i].item()
            flat[i] = x0 + eps
            lp = total_loss(c, model, data)[0].item()
            flat[i] = x0 - eps
            lm = total_loss(c, model, data)[0].item()
            flat[i] = x0
            fd = (lp - lm) / (2 * eps)
            ag = f['gradients'][n][i]
            rel = abs(fd - ag) / max(abs(fd), abs(ag))
            worst = max(worst, rel)
            details.append(f'{n}[{i}]')
    ok = repro < 1e-12 and worst < 1e-6
    size = os.path.getsize(path)
    print(f"{'ok  ' if ok else 'FAIL'} {f['name']:<28} {size:6d} B  loss {f['lossValue']:.12g}  "
          f"reload max rel diff {repro:.1e}  central-diff max rel err {worst:.1e} ({', '.join(details)})")
    return ok


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    paths = []
    for k, c in enumerate(CASES):
        model, data = make_case(c, seed=1000 + k)
        f = fixture(c, model, data)
        path = os.path.join(OUT_DIR, c['name'] + '.json')
        with open(path, 'w') as fh:
            json.dump(f, fh, separators=(',', ':'))
            fh.write('\n')
        paths.append(path)
    ok = all([check(path, seed=2000 + k) for k, path in enumerate(paths)])
    print('all checks passed' if ok else 'SOME CHECKS FAILED')
    sys.exit(0 if ok else 1)


if __name__ == '__main__':
    main()
