package dev.stepwise.engine.weights;

/**
 * One tensor as a safetensors header declares it: element type, shape and byte range.
 *
 * @param name the state_dict key
 * @param dtype the element type
 * @param shape the dimensions, C order; empty for a scalar
 * @param begin the first byte, relative to the start of the data block
 * @param end one past the last byte, relative to the start of the data block
 */
public record SafetensorsEntry(
    String name, SafetensorsDtype dtype, long[] shape, long begin, long end) {

  /** Copies {@code shape} so the record cannot be changed from outside. */
  public SafetensorsEntry {
    shape = shape.clone();
  }

  /** A copy of the dimensions. */
  @Override
  public long[] shape() {
    return shape.clone();
  }

  /** The element count: the product of the dimensions (1 for a scalar). */
  public long numel() {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    return n;
  }

  /** The number of bytes the tensor occupies, {@code end - begin}. */
  public long byteLength() {
    return end - begin;
  }
}
