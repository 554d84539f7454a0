"""PyTorch's side of the safetensors fixtures (test/fixtures/safetensors/), with Debian's PyTorch:

    npm run build && node scripts/safetensors-fixtures.mjs   # rnnkit's side first (to-torch/, build/safetensors-readme/)
    /usr/bin/python3 scripts/torch-safetensors-fixtures.py

1. from-torch/<case>.safetensors and <case>.json: real nn.RNN (tanh, relu), nn.LSTM and nn.GRU modules
   (+ nn.Embedding, + nn.Linear), built by rnnkit_torch.build_module from an rnnkit description, every
   parameter random (bias_hh too), saved with rnnkit_torch.save -- one case with plain
   rnnkit_torch.write_file(path, module.state_dict()), no rnnkit metadata, as any PyTorch code would write
   it. The JSON holds a batch (inputs or token ids, targets, a mask), and what PyTorch computes on it:
   the outputs F(head(h_t)) at every step, the final states, rnnkit's loss (module.loss) and its
   gradient with respect to every tensor, by PyTorch's names. float64, and one float32 file (computed
   in float32).
2. to-torch/torch-outputs.json: every file rnnkit's toSafetensors wrote into to-torch/ (see
   scripts/safetensors-fixtures.mjs), loaded with rnnkit_torch.load and run on to-torch/batches.json:
   its outputs and final states.
3. readme/: the README's Python blocks (section "PyTorch interop: safetensors") run as written on the
   chars.safetensors its first TypeScript block wrote (build/safetensors-readme/): the first as a plain
   script, the second under `torchrun --standalone --nproc_per_node 2` (gloo, two CPU processes). The
   file the second wrote is readme/chars-tuned.safetensors, which the README's next block loads;
   readme/python-blocks.json records the blocks' SHA-256, so the test knows the file came from the
   README's Python as it reads now.

Deterministic for parts 1 and 2 (seeded, one thread); part 3's file depends on the run. Prints one line per
file and exits non-zero when a check fails (a reload that does not reproduce what was recorded).
"""

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import rnnkit_torch  # noqa: E402

torch.set_num_threads(1)
ROOT = os.path.join(HERE, '..')
FIXTURES = os.path.join(ROOT, 'test', 'fixtures', 'safetensors')
LOSS_OF = {'identity': 'mse', 'softmax': 'cross-entropy', 'sigmoid': 'binary-cross-entropy'}


def config(cell='elman', p=0, V=0, E=0, r=4, L=1, o=2, activation='tanh', output='identity', state='zeros'):
    return dict(cell=cell, inputSize=1 if V else p, vocabularySize=V, embeddingSize=E, hiddenSize=r, numLayers=L, dropout=0,
                outputSize=o, activation=activation, output=output, loss=LOSS_OF[output], initialState=state)


def elman_rnn(p, r, o, activation, output, state='zeros'):
    """An ElmanRNN's config (kind 'elman-rnn')."""
    return dict(inputSize=p, hiddenSize=r, outputSize=o, activation=activation, output=output, loss=LOSS_OF[output], initialState=state)


# name, kind, config, dtype, (B, T), whether the file carries rnnkit metadata
CASES = [
    ('lstm-1layer-mse', 'recurrent-network', config('lstm', p=3, r=4, o=2), torch.float64, (3, 4), True),
    ('lstm-2layer-embedding-learned-ce', 'recurrent-network', config('lstm', V=6, E=3, r=4, L=2, o=6, output='softmax', state='learned'), torch.float64, (3, 5), True),
    ('gru-1layer-learned-bce', 'recurrent-network', config('gru', p=3, r=4, o=2, output='sigmoid', state='learned'), torch.float64, (2, 4), True),
    ('gru-2layer-embedding-mse', 'recurrent-network', config('gru', V=5, E=3, r=4, L=2, o=3), torch.float64, (3, 4), True),
    ('rnn-tanh-2layer-learned-ce', 'recurrent-network', config('elman', p=3, r=4, L=2, o=3, output='softmax', state='learned'), torch.float64, (3, 4), True),
    ('rnn-relu-elman-rnn-bce', 'elman-rnn', elman_rnn(2, 3, 2, 'relu', 'sigmoid'), torch.float64, (2, 5), True),
    ('rnn-sigmoid-embedding-mse', 'recurrent-network', config('elman', V=4, E=2, r=3, o=2, activation='sigmoid'), torch.float64, (2, 4), True),
    ('gru-2layer-float32-ce', 'recurrent-network', config('gru', p=3, r=5, L=2, o=4, output='softmax'), torch.float32, (3, 4), True),
    ('plain-lstm-2layer-embedding-ce', 'recurrent-network', config('lstm', V=7, E=4, r=5, L=2, o=7, output='softmax'), torch.float64, (2, 4), False),
]


def make_batch(kind, c, B, T, dtype, gen):
    structure = rnnkit_torch._structure({'kind': kind, 'config': c})
    o = c['outputSize']
    if structure['vocabularySize'] > 0:
        x = torch.randint(0, structure['vocabularySize'], (B, T), generator=gen)
    else:
        x = torch.randn(B, T, c['inputSize'], generator=gen, dtype=dtype)
    # Sequence 0 counts every step; the others drop some (a mask, as ragged or many-to-one batches have).
    mask = torch.ones(B, T, dtype=dtype)
    for b in range(1, B):
        mask[b, :b] = 0
    if c['output'] == 'softmax':
        targets = torch.randint(0, o, (B, T), generator=gen)
    elif c['output'] == 'sigmoid':
        targets = torch.rand(B, T, o, generator=gen, dtype=dtype) * 0.9 + 0.05
    else:
        targets = torch.randn(B, T, o, generator=gen, dtype=dtype)
    return x, targets, mask


def run(module, x, targets=None, mask=None):
    """Outputs, final (h, c) and, given targets, rnnkit's loss; gradients left in .grad."""
    module.eval()  # dropout off, as rnnkit's predict
    module.zero_grad()
    z, final = module(x, logits=True)
    h, c = final if isinstance(final, tuple) else (final, None)
    loss = None
    if targets is not None:
        loss = module.loss(z, targets, mask)
        loss.backward()
    return module.apply_output(z), h, c, loss


def max_rel(a, b):
    a, b = torch.as_tensor(a, dtype=torch.float64), torch.as_tensor(b, dtype=torch.float64)
    return ((a - b).abs() / a.abs().clamp_min(1.0)).max().item() if a.numel() else 0.0


def from_torch():
    out = os.path.join(FIXTURES, 'from-torch')
    os.makedirs(out, exist_ok=True)
    ok = True
    for k, (name, kind, c, dtype, (B, T), with_metadata) in enumerate(CASES):
        torch.manual_seed(3000 + k)
        gen = torch.Generator().manual_seed(4000 + k)
        document = {'format': 'rnnkit', 'version': 1, 'kind': kind, 'config': c}
        module = rnnkit_torch.build_module(document).to(dtype)
        with torch.no_grad():
            for prm in module.parameters():
                prm.uniform_(-0.7, 0.7, generator=gen)
        x, targets, mask = make_batch(kind, c, B, T, dtype, gen)
        y, h, cc, loss = run(module, x, targets, mask)
        path = os.path.join(out, name + '.safetensors')
        if with_metadata:
            rnnkit_torch.save(module, path)
        else:
            rnnkit_torch.write_file(path, module.state_dict())
        f = {'name': name, 'dtype': 'float64' if dtype == torch.float64 else 'float32', 'kind': kind}
        if not with_metadata:
            f['config'] = {'output': c['output']}  # what the test passes as options.config
        f['tokens' if x.dtype == torch.int64 else 'inputs'] = x.tolist()
        f['classes' if c['output'] == 'softmax' else 'targets'] = targets.tolist()
        f['mask'] = mask.to(torch.int64).tolist()
        f.update(outputs=y.detach().tolist(), finalH=h.detach().tolist())
        if cc is not None:
            f['finalC'] = cc.detach().tolist()
        f['loss'] = loss.item()
        f['gradients'] = {n: p.grad.reshape(-1).tolist() for n, p in module.named_parameters()}
        with open(os.path.join(out, name + '.json'), 'w') as fh:
            json.dump(f, fh, separators=(',', ':'))
            fh.write('\n')
        # Read back through the companion: the same module, the same outputs and loss.
        again = rnnkit_torch.load(path, None if with_metadata else document)
        y2, _, _, loss2 = run(again, x, targets, mask)
        diff = max(max_rel(y.detach(), y2.detach()), max_rel(loss.item(), loss2.item()))
        same = diff == 0 and again.state_dict().keys() == module.state_dict().keys()
        ok &= same
        print(f"{'ok  ' if same else 'FAIL'} from-torch/{name:<36} {os.path.getsize(path):6d} B  loss {loss.item():.10g}")
    return ok


def to_torch():
    out = os.path.join(FIXTURES, 'to-torch')
    with open(os.path.join(out, 'batches.json')) as fh:
        batches = json.load(fh)
    results = {}
    for name, batch in batches.items():
        module = rnnkit_torch.load(os.path.join(out, name + '.safetensors'))
        assert module.rnnkit['metadata'] == {'fixture': name}, name
        x = torch.tensor(batch['tokens']) if 'tokens' in batch else torch.tensor(batch['inputs'], dtype=torch.float64)
        with torch.no_grad():
            y, h, c, _ = run(module, x)
        results[name] = {'outputs': y.tolist(), 'finalH': h.tolist(), **({'finalC': c.tolist()} if c is not None else {})}
        print(f"ok   to-torch/{name:<38} {type(module.rnn).__name__:<12} outputs {list(y.shape)}")
    with open(os.path.join(out, 'torch-outputs.json'), 'w') as fh:
        json.dump(results, fh, separators=(',', ':'))
        fh.write('\n')
    return True


def readme_python_blocks():
    with open(os.path.join(ROOT, 'README.md'), encoding='utf-8') as fh:
        readme = fh.read()
    start = readme.index('## PyTorch interop: safetensors')
    section = readme[start:readme.index('\n## ', start + 10)]
    return re.findall(r'```python\n(.*?)```', section, re.S)


def readme():
    blocks = readme_python_blocks()
    assert len(blocks) == 2, f'the README section has {len(blocks)} python blocks, expected 2'
    source = os.path.join(ROOT, 'build', 'safetensors-readme')
    env = dict(os.environ, PYTHONPATH=HERE, OMP_NUM_THREADS='1')
    produced = []
    for i, block in enumerate(blocks):
        work = tempfile.mkdtemp(prefix='rnnkit-readme-python-')
        for name in ('chars.safetensors', 'book.txt'):
            shutil.copy(os.path.join(source, name), work)
        with open(os.path.join(work, 'train.py'), 'w') as fh:
            fh.write(block)
        # --redirects/--tee 1: torchrun 1.13 on Python 3.11 turns their default "0" into None and stops
        # (its Std flag lookup skips the zero member); 1 (stdout) is parsed correctly.
        command = [sys.executable, 'train.py'] if i == 0 else \
            [shutil.which('torchrun') or 'torchrun', '--standalone', '--nproc_per_node', '2', '--redirects', '1', '--tee', '1', 'train.py']
        subprocess.run(command, cwd=work, env=env, check=True)
        tuned = os.path.join(work, 'chars-tuned.safetensors')
        module = rnnkit_torch.load(tuned)
        before = rnnkit_torch.load(os.path.join(work, 'chars.safetensors'))
        moved = max((a - b).abs().max().item() for a, b in zip(module.state_dict().values(), before.state_dict().values()))
        print(f"ok   README python block {i + 1}{' under torchrun (2 processes)' if i else ''}: chars-tuned.safetensors "
              f"{os.path.getsize(tuned)} B, weights moved by up to {moved:.3g}")
        produced.append(tuned)
    os.makedirs(os.path.join(FIXTURES, 'readme'), exist_ok=True)
    shutil.copy(produced[1], os.path.join(FIXTURES, 'readme', 'chars-tuned.safetensors'))
    with open(os.path.join(FIXTURES, 'readme', 'python-blocks.json'), 'w') as fh:
        json.dump({'note': 'chars-tuned.safetensors was written by the second of these README blocks, under torchrun with 2 processes',
                   'sha256': [hashlib.sha256(b.encode('utf-8')).hexdigest() for b in blocks],
                   'torch': torch.__version__}, fh, indent=1)
        fh.write('\n')
    return True


def main():
    ok = from_torch()
    ok &= to_torch()
    ok &= readme()
    print('all checks passed' if ok else 'SOME CHECKS FAILED')
    sys.exit(0 if ok else 1)


if __name__ == '__main__':
    main()
