package dev.stepwise.engine.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Set;

/**
 * Named tensors of one model component (a safetensors file, a sharded set, or random weights),
 * loaded on demand. Names are the PyTorch state_dict keys (diffusers / transformers names).
 */
public interface TensorSource extends AutoCloseable {

  /** Every tensor name this source holds. */
  Set<String> names();

  /** The shape of {@code name}, or {@code null} when the source has no such tensor. */
  long[] shape(String name);

  /**
   * Loads {@code name} as a FLOAT32 array owned by {@code manager}, converting F16 and BF16 (BF16
   * in Java: DJL's own BF16 path aborts the JVM). Throws {@link
   * dev.stepwise.engine.ModelPackException} for an absent name or an unreadable tensor.
   */
  NDArray load(String name, NDManager manager);

  /**
   * Loads {@code name} in the precision it is stored in where DJL can hold it: F16 as FLOAT16, BF16
   * as FLOAT16 when every element converts exactly (else FLOAT32), anything else as {@link #load}
   * gives it. A source that cannot tell loads FLOAT32 (this default).
   */
  default NDArray loadStored(String name, NDManager manager) {
    return load(name, manager);
  }

  /**
   * Where the tensors come from, for messages, e.g. {@code
   * unet/diffusion_pytorch_model.safetensors}.
   */
  String origin();

  @Override
  void close();
}
