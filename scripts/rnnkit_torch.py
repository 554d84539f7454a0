"""rnnkit's recurrent models in PyTorch, and the safetensors files rnnkit reads and writes.

One file, PyTorch and the standard library only: copy it beside your training script.

    import rnnkit_torch
    model = rnnkit_torch.load('model.safetensors')   # the nn.Module, rnnkit's weights loaded
    y, state = model(x)                              # F(head(h_t)) at every step, and the final state
    z, state = model(x, logits=True)                 # head(h_t), what a loss takes
    loss = model.loss(z, targets, mask)              # rnnkit's loss for the model's output
    rnnkit_torch.save(model, 'tuned.safetensors')    # fromSafetensors (rnnkit/safetensors) reads it

The module holds `rnn` (nn.RNN, nn.LSTM or nn.GRU with batch_first=True), `head` (nn.Linear from the
top layer's h to the outputs), `embedding` (nn.Embedding) for a model of token inputs, and `h0`
(and `c0` for an LSTM), parameters of shape [num_layers, hidden_size], for a learned initial state.
Its state_dict names are the tensors' names in the file. An Elman cell with rnnkit's sigmoid or
identity σ, which nn.RNN lacks, gets `ElmanLayers` below: nn.RNN's parameters under nn.RNN's names,
the same recurrence with that σ.

A file holds rnnkit's description of the model in its `__metadata__` under the key 'rnnkit': JSON of
{"format": "rnnkit", "version": 1, "kind": "recurrent-network" | "elman-rnn", "config": {...},
"metadata": {...}}; `build_module` makes the module from it, `save` writes it back (and the model's
"metadata", such as a vocabulary, with it). A file written by plain PyTorch has no such key: pass
that description to `load` yourself.
"""

import json
import sys

import torch
from torch import nn
import torch.nn.functional as F

__all__ = ['build_module', 'load', 'save', 'read_file', 'write_file', 'RnnkitModule', 'ElmanLayers']

MAX_HEADER_BYTES = 16 * 1024 * 1024  # what rnnkit reads and writes at most
DTYPES = {'F64': torch.float64, 'F32': torch.float32, 'F16': torch.float16, 'BF16': torch.bfloat16}
NAMES = {dtype: name for name, dtype in DTYPES.items()}
# Views of the same width, to move a tensor's bytes in and out (bfloat16 has no NumPy type).
WORDS = {torch.float64: torch.int64, torch.float32: torch.int32, torch.float16: torch.int16, torch.bfloat16: torch.int16}
ACTIVATIONS = {'tanh': torch.tanh, 'relu': torch.relu, 'sigmoid': torch.sigmoid, 'identity': lambda a: a}
GATES = {'elman': 1, 'lstm': 4, 'gru': 3}


def read_file(path):
    """The tensors (a dict of name -> CPU tensor) and the metadata (a dict of strings) of a safetensors file."""
    with open(path, 'rb') as f:
        data = f.read()
    if len(data) < 8:
        raise ValueError(f'{path}: {len(data)} bytes, too short for a safetensors file')
    n = int.from_bytes(data[:8], 'little')
    if n > MAX_HEADER_BYTES or 8 + n > len(data):
        raise ValueError(f'{path}: a header of {n} bytes does not fit (the file has {len(data)} bytes; at most {MAX_HEADER_BYTES})')
    header = json.loads(data[8:8 + n].decode('utf-8'))
    metadata = header.pop('__metadata__', None) or {}
    body = memoryview(data)[8 + n:]
    tensors, spans = {}, []
    for name, entry in header.items():
        dtype = DTYPES.get(entry['dtype'])
        if dtype is None:
            raise ValueError(f"{path}: tensor '{name}': dtype {entry['dtype']} (rnnkit writes F32 and F64)")
        begin, end = entry['data_offsets']
        shape = list(entry['shape'])
        count = 1
        for size in shape:
            count *= size
        if not 0 <= begin <= end <= len(body) or end - begin != count * torch.finfo(dtype).bits // 8:
            raise ValueError(f"{path}: tensor '{name}': data_offsets {[begin, end]} do not hold shape {shape} of {entry['dtype']}")
        spans.append((begin, end, name))
        raw = torch.frombuffer(bytearray(body[begin:end]), dtype=torch.uint8) if end > begin else torch.empty(0, dtype=torch.uint8)
        tensors[name] = raw.view(dtype).reshape(shape)
    at = 0
    for begin, end, name in sorted(spans):
        if begin != at:
            raise ValueError(f"{path}: tensor '{name}' starts at {begin}, not at {at} (the tensors must cover the data exactly)")
        at = end
    if at != len(body):
        raise ValueError(f'{path}: {len(body) - at} bytes after the last tensor')
    return tensors, metadata


def write_file(path, tensors, metadata=None):
    """Writes tensors (a dict of name -> tensor, in that order) and metadata (a dict of strings) as safetensors."""
    if sys.byteorder != 'little':
        raise RuntimeError('safetensors stores little-endian values; this writer runs on little-endian machines only')
    header, blobs, offset = {}, [], 0
    if metadata:
        header['__metadata__'] = {str(k): str(v) for k, v in metadata.items()}
    for name, tensor in tensors.items():
        tensor = tensor.detach().to('cpu').contiguous()
        if tensor.dtype not in NAMES:
            raise ValueError(f"tensor '{name}': dtype {tensor.dtype} (rnnkit reads float64, float32, float16 and bfloat16)")
        blob = _bytes(tensor)
        header[name] = {'dtype': NAMES[tensor.dtype], 'shape': list(tensor.shape), 'data_offsets': [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header, separators=(',', ':')).encode('utf-8')
    text += b' ' * (-(8 + len(text)) % 8)  # the data starts at a multiple of 8
    if len(text) > MAX_HEADER_BYTES:
        raise ValueError(f'the header would take {len(text)} bytes, more than the {MAX_HEADER_BYTES} rnnkit reads')
    with open(path, 'wb') as f:
        f.write(len(text).to_bytes(8, 'little'))
        f.write(text)
        for blob in blobs:
            f.write(blob)


def _bytes(tensor):
    words = tensor.reshape(-1).view(WORDS[tensor.dtype])
    try:
        return words.numpy().tobytes()
    except RuntimeError:  # PyTorch built without NumPy
        return b''.join(int(w).to_bytes(words.element_size(), 'little', signed=True) for w in words.tolist())


class ElmanLayers(nn.Module):
    """nn.RNN for any of rnnkit's σ (tanh, relu, sigmoid, identity): the same parameters under the same
    names (weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0, ...), batch_first, dropout between layers
    in training; h_t = σ(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)."""

    def __init__(self, input_size, hidden_size, num_layers, activation, dropout=0.0):
        super().__init__()
        self.hidden_size, self.num_layers, self.dropout = hidden_size, num_layers, dropout
        self.sigma = ACTIVATIONS[activation]
        bound = hidden_size ** -0.5  # nn.RNN's initialisation
        for l in range(num_layers):
            inputs = input_size if l == 0 else hidden_size
            for name, shape in (('weight_ih', (hidden_size, inputs)), ('weight_hh', (hidden_size, hidden_size)),
                                ('bias_ih', (hidden_size,)), ('bias_hh', (hidden_size,))):
                self.register_parameter(f'{name}_l{l}', nn.Parameter(torch.empty(shape).uniform_(-bound, bound)))

    def forward(self, x, h=None):
        B = x.shape[0]
        if h is None:
            h = x.new_zeros(self.num_layers, B, self.hidden_size)
        finals = []
        for l in range(self.num_layers):
            if l > 0:
                x = F.dropout(x, self.dropout, self.training)
            w_ih, w_hh = getattr(self, f'weight_ih_l{l}'), getattr(self, f'weight_hh_l{l}')
            a_in = x @ w_ih.T + getattr(self, f'bias_ih_l{l}') + getattr(self, f'bias_hh_l{l}')
            state, steps = h[l], []
            for t in range(x.shape[1]):
                state = self.sigma(a_in[:, t] + state @ w_hh.T)
                steps.append(state)
            x = torch.stack(steps, 1)
            finals.append(state)
        return x, torch.stack(finals)


class RnnkitModule(nn.Module):
    """An rnnkit recurrent model as an nn.Module: [embedding ->] rnn -> head, F on head's output."""

    def __init__(self, document):
        super().__init__()
        self.rnnkit = document
        c = _structure(document)
        self.cell, self.output, self.loss_name = c['cell'], c['output'], c['loss']
        L, r = c['numLayers'], c['hiddenSize']
        if c['vocabularySize'] > 0:
            self.embedding = nn.Embedding(c['vocabularySize'], c['embeddingSize'])
        inputs = c['embeddingSize'] if c['vocabularySize'] > 0 else c['inputSize']
        if c['cell'] == 'lstm':
            self.rnn = nn.LSTM(inputs, r, L, batch_first=True, dropout=c['dropout'])
        elif c['cell'] == 'gru':
            self.rnn = nn.GRU(inputs, r, L, batch_first=True, dropout=c['dropout'])
        elif c['activation'] in ('tanh', 'relu'):
            self.rnn = nn.RNN(inputs, r, L, nonlinearity=c['activation'], batch_first=True, dropout=c['dropout'])
        else:
            self.rnn = ElmanLayers(inputs, r, L, c['activation'], c['dropout'])
        self.head = nn.Linear(r, c['outputSize'])
        if c['initialState'] == 'learned':
            self.h0 = nn.Parameter(torch.zeros(L, r))
            if c['cell'] == 'lstm':
                self.c0 = nn.Parameter(torch.zeros(L, r))

    def forward(self, x, state=None, logits=False):
        """x: [B][T][p] floats, or [B][T] token ids with an embedding. state: the initial state, as the
        rnn takes it ((h, c) for an LSTM, h otherwise, each [num_layers][B][r]); default the learned
        h0 (and c0), else zeros. Returns (y, final state): y = F(head(h_t)) at every step, [B][T][o],
        or head(h_t) itself with logits=True."""
        if hasattr(self, 'embedding'):
            x = self.embedding(x.reshape(x.shape[0], -1).long())
        if state is None and hasattr(self, 'h0'):
            B = x.shape[0]
            h = self.h0.unsqueeze(1).expand(-1, B, -1).contiguous()
            state = (h, self.c0.unsqueeze(1).expand(-1, B, -1).contiguous()) if self.cell == 'lstm' else h
        hidden, final = self.rnn(x, state)
        z = self.head(hidden)
        return (z if logits else self.apply_output(z)), final

    def apply_output(self, z):
        """F: softmax over the outputs, sigmoid, or identity."""
        if self.output == 'softmax':
            return torch.softmax(z, -1)
        if self.output == 'sigmoid':
            return torch.sigmoid(z)
        return z

    def loss(self, z, targets, mask=None):
        """rnnkit's loss of head's outputs z [B][T][o]: each step's loss summed over the steps where mask
        [B][T] is 1 (default every step), then the mean over sequences. 'mse': 1/2 sum (F(z) - target)^2;
        'cross-entropy': class ids [B][T] or distributions [B][T][o]; 'binary-cross-entropy': targets in [0, 1]."""
        B, T, o = z.shape
        if self.loss_name == 'cross-entropy':
            if targets.dtype in (torch.int32, torch.int64) or targets.dim() == 2:
                per_step = F.cross_entropy(z.reshape(B * T, o), targets.reshape(B * T).long(), reduction='none').reshape(B, T)
            else:
                per_step = -(targets * torch.log_softmax(z, -1)).sum(-1)
        elif self.loss_name == 'binary-cross-entropy':
            per_step = F.binary_cross_entropy_with_logits(z, targets.to(z.dtype), reduction='none').sum(-1)
        else:
            per_step = 0.5 * ((self.apply_output(z) - targets.to(z.dtype)) ** 2).sum(-1)
        if mask is not None:
            per_step = per_step * mask.to(per_step.dtype)
        return per_step.sum() / B


def _document(metadata):
    """The rnnkit document from a file's __metadata__ (its 'rnnkit' key), from its JSON text, or as it is."""
    if isinstance(metadata, str):
        metadata = json.loads(metadata)
    if isinstance(metadata, dict) and 'rnnkit' in metadata and 'config' not in metadata:
        metadata = json.loads(metadata['rnnkit'])
    if not isinstance(metadata, dict) or metadata.get('format') != 'rnnkit' or 'config' not in metadata:
        raise ValueError('expected the rnnkit description of a model: {"format": "rnnkit", "version": 1, "kind", "config", ...} '
                         '(a file rnnkit wrote holds it in __metadata__["rnnkit"])')
    if metadata.get('version') != 1:
        raise ValueError(f"unsupported rnnkit metadata version {metadata.get('version')!r} (this file reads version 1)")
    return metadata


def _structure(document):
    """Every choice of a RecurrentNetwork's config; an ElmanRNN ('elman-rnn') is one Elman layer on vector inputs."""
    kind, c = document.get('kind'), dict(document['config'])
    if kind == 'elman-rnn':
        c.update(cell='elman', vocabularySize=0, embeddingSize=0, numLayers=1, dropout=0)
    elif kind != 'recurrent-network':
        raise ValueError(f"kind {kind!r}: rnnkit_torch builds 'recurrent-network' and 'elman-rnn' models")
    return c


def build_module(metadata):
    """The nn.Module an rnnkit file describes (weights freshly initialised): pass the file's __metadata__
    dict, the JSON text of its 'rnnkit' key, or that JSON parsed."""
    return RnnkitModule(_document(metadata))


def load(path, metadata=None):
    """The module a safetensors file holds, its tensors loaded: float64 if the file is (F64), float32
    otherwise. A file rnnkit wrote says what the model is; for one without rnnkit metadata, pass it."""
    tensors, file_metadata = read_file(path)
    module = build_module(metadata if metadata is not None else file_metadata)
    dtype = torch.float64 if any(t.dtype == torch.float64 for t in tensors.values()) else torch.float32
    module.to(dtype)
    module.load_state_dict({name: t.to(dtype) for name, t in tensors.items()}, strict=True)
    return module


def save(module, path, metadata=None):
    """Writes the module's tensors (in their dtype) and its rnnkit description as a safetensors file
    rnnkit reads. A DistributedDataParallel wrapper is looked through. metadata: the description to
    write (default the module's own, from build_module or load)."""
    module = getattr(module, 'module', module)
    document = _document(metadata if metadata is not None else module.rnnkit)
    write_file(path, module.state_dict(), {'rnnkit': json.dumps(document, separators=(',', ':'), ensure_ascii=False)})
