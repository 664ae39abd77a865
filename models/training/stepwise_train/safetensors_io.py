"""Pure-Python safetensors reader and writer, plus diffusers-style sharding.

Format (huggingface/safetensors README and safetensors/src/tensor.rs): [u64 LE header length
N][N bytes of UTF-8 JSON][data]. Each header entry is {"dtype", "shape", "data_offsets":
[begin, end)} relative to the data block; "__metadata__" is an optional str->str map. The
writer pads the header with spaces to a multiple of 8. The reader validates everything
before touching data: known dtypes, sizes equal numel * itemsize, and tensors tiling the data
block exactly (no gaps, no overlaps, no trailing bytes).
"""

import json
import os
import struct

import numpy as np
import torch

MAX_HEADER = 100_000_000

# dtype name -> (torch dtype, bytes per element)
DTYPES = {
    "F32": (torch.float32, 4), "F16": (torch.float16, 2), "BF16": (torch.bfloat16, 2),
    "F64": (torch.float64, 8), "I64": (torch.int64, 8), "I32": (torch.int32, 4),
    "I16": (torch.int16, 2), "I8": (torch.int8, 1), "U8": (torch.uint8, 1),
    "BOOL": (torch.bool, 1),
}
_NAMES = {t: name for name, (t, _) in DTYPES.items()}


class SafetensorsError(ValueError):
    """A malformed safetensors file or index."""


def _to_bytes(t):
    t = t.detach().contiguous().cpu()
    if t.dtype == torch.bfloat16:
        t = t.view(torch.int16)  # same bits; numpy has no bfloat16
    arr = t.numpy()
    return arr.astype(arr.dtype.newbyteorder("<"), copy=False).tobytes()


def serialize(tensors, metadata=None):
    """dict name -> tensor (F32/F16/BF16/...) -> bytes of a safetensors file."""
    header, blobs, offset = {}, [], 0
    if metadata is not None:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    for name in sorted(tensors):
        t = tensors[name]
        if t.dtype not in _NAMES:
            raise SafetensorsError(f"tensor {name!r} has unsupported dtype {t.dtype}")
        blob = _to_bytes(t)
        header[name] = {"dtype": _NAMES[t.dtype], "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(blobs)


def images_as_f16(tensors, metadata):
    """Goldens: final images (keys ending in ".image", in [0, 1], compared at 2/255) stored as
    float16, which halves them at an error below 2.5e-4; every other tensor kept as it is."""
    out = {k: (v.half().contiguous() if k.endswith(".image") else v) for k, v in tensors.items()}
    if any(k.endswith(".image") for k in tensors):
        metadata = dict(metadata or {}, images="keys ending in .image stored as float16")
    return out, metadata


def save_file(tensors, path, metadata=None):
    with open(path, "wb") as f:
        f.write(serialize(tensors, metadata if metadata is not None else {"format": "pt"}))


def parse_header(buf, file_size):
    """Validate the header of a file whose first bytes are buf; return (entries, data_start)."""
    if file_size < 8 or len(buf) < 8:
        raise SafetensorsError(f"file of {file_size} bytes is too short for a safetensors header")
    (n,) = struct.unpack("<Q", buf[:8])
    if n > MAX_HEADER or 8 + n > file_size:
        raise SafetensorsError(f"header length {n} does not fit a file of {file_size} bytes")
    try:
        header = json.loads(bytes(buf[8:8 + n]).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise SafetensorsError(f"header is not valid UTF-8 JSON: {e}") from None
    if not isinstance(header, dict):
        raise SafetensorsError("header is not a JSON object")
    meta = header.pop("__metadata__", None)
    if meta is not None and not (isinstance(meta, dict)
                                 and all(isinstance(v, str) for v in meta.values())):
        raise SafetensorsError("__metadata__ must map strings to strings")
    entries = []
    for name, e in header.items():
        if not isinstance(e, dict) or e.get("dtype") not in DTYPES:
            raise SafetensorsError(f"tensor {name!r} has a missing or unknown dtype")
        shape, offs = e.get("shape"), e.get("data_offsets")
        if not (isinstance(shape, list) and all(type(d) is int and d >= 0 for d in shape)):
            raise SafetensorsError(f"tensor {name!r} has an invalid shape {shape!r}")
        if not (isinstance(offs, list) and len(offs) == 2
                and all(type(o) is int and o >= 0 for o in offs) and offs[0] <= offs[1]):
            raise SafetensorsError(f"tensor {name!r} has invalid data_offsets {offs!r}")
        numel = int(np.prod(shape, dtype=np.int64)) if shape else 1
        if offs[1] - offs[0] != numel * DTYPES[e["dtype"]][1]:
            raise SafetensorsError(f"tensor {name!r} spans {offs[1] - offs[0]} bytes but "
                                   f"{e['dtype']} {shape} needs {numel * DTYPES[e['dtype']][1]}")
        entries.append((name, e["dtype"], shape, offs[0], offs[1]))
    entries.sort(key=lambda x: (x[3], x[4]))
    pos = 0
    for name, _, _, begin, end in entries:
        if begin != pos:
            raise SafetensorsError(f"tensor {name!r} starts at {begin}, expected {pos} "
                                   "(gap or overlap in the data block)")
        pos = end
    if 8 + n + pos != file_size:
        raise SafetensorsError(f"data block ends at {8 + n + pos} but the file has "
                               f"{file_size} bytes")
    return entries, 8 + n, meta


def deserialize(data):
    """bytes -> (dict name -> tensor in its stored dtype, metadata or None)."""
    entries, start, meta = parse_header(data, len(data))
    out = {}
    for name, dtype, shape, begin, end in entries:
        torch_dtype, _ = DTYPES[dtype]
        raw = np.frombuffer(data, dtype=np.uint8, count=end - begin, offset=start + begin)
        if torch_dtype == torch.bfloat16:
            arr = torch.from_numpy(raw.view("<i2").copy()).view(torch.bfloat16)
        elif torch_dtype == torch.bool:
            arr = torch.from_numpy(raw.copy()).to(torch.bool)
        else:
            np_dtype = torch.empty(0, dtype=torch_dtype).numpy().dtype.newbyteorder("<")
            arr = torch.from_numpy(raw.view(np_dtype).astype(np_dtype.newbyteorder("="))
                                   .copy())
        out[name] = arr.reshape(shape)  # stored shape
    return out, meta


def load_file(path):
    """path -> dict name -> tensor (stored dtype)."""
    with open(path, "rb") as f:
        return deserialize(f.read())[0]


def shard(tensors, max_bytes):
    """Split a state dict into shards of at most max_bytes of tensor data, in key order.

    Same greedy rule as huggingface_hub split_torch_state_dict_into_shards: a tensor that
    would overflow the current shard starts a new one; a tensor larger than max_bytes gets
    a shard of its own.
    """
    shards, current, size = [], {}, 0
    for name, t in tensors.items():
        nbytes = t.numel() * t.element_size()
        if current and size + nbytes > max_bytes:
            shards.append(current)
            current, size = {}, 0
        current[name] = t
        size += nbytes
    if current:
        shards.append(current)
    return shards


def save_sharded(tensors, folder, base, max_bytes):
    """Write base.safetensors, or base-0000i-of-0000n.safetensors + base.safetensors.index.json.

    Returns the list of file names written. The index is diffusers' layout
    {"metadata": {"total_size": bytes}, "weight_map": {name: file}}.
    """
    parts = shard(tensors, max_bytes)
    stem = base[:-len(".safetensors")] if base.endswith(".safetensors") else base
    if len(parts) == 1:
        save_file(parts[0], os.path.join(folder, stem + ".safetensors"))
        return [stem + ".safetensors"]
    names, weight_map, total = [], {}, 0
    for i, part in enumerate(parts):
        fname = f"{stem}-{i + 1:05d}-of-{len(parts):05d}.safetensors"
        save_file(part, os.path.join(folder, fname))
        names.append(fname)
        for key, t in part.items():
            weight_map[key] = fname
            total += t.numel() * t.element_size()
    index = {"metadata": {"total_size": total},
             "weight_map": {k: weight_map[k] for k in sorted(weight_map)}}
    with open(os.path.join(folder, stem + ".safetensors.index.json"), "w") as f:
        json.dump(index, f, indent=2)
        f.write("\n")
    return names + [stem + ".safetensors.index.json"]


def load_sharded(folder, base):
    """Read base.safetensors or its sharded form (validated against the index)."""
    stem = base[:-len(".safetensors")] if base.endswith(".safetensors") else base
    single = os.path.join(folder, stem + ".safetensors")
    if os.path.exists(single):
        return load_file(single)
    with open(os.path.join(folder, stem + ".safetensors.index.json")) as f:
        index = json.load(f)
    weight_map = index.get("weight_map") if isinstance(index, dict) else None
    if not isinstance(weight_map, dict):
        raise SafetensorsError("index.json has no weight_map object")
    out = {}
    for fname in sorted(set(weight_map.values())):
        if os.path.basename(fname) != fname:
            raise SafetensorsError(f"shard name {fname!r} must be a plain file name")
        part = load_file(os.path.join(folder, fname))
        for key, t in part.items():
            if weight_map.get(key) != fname:
                raise SafetensorsError(f"tensor {key!r} in {fname} is not mapped to it")
            out[key] = t
    missing = set(weight_map) - set(out)
    if missing:
        raise SafetensorsError(f"weight_map names tensors no shard holds: {sorted(missing)[:3]}")
    return out
