/**
 * Reading model weights in the safetensors format, single-file or sharded.
 *
 * <p>{@link dev.stepwise.engine.weights.SafetensorsFile} validates a whole header before any use
 * and maps each tensor on its own (files of any size); {@link
 * dev.stepwise.engine.weights.ShardedSafetensors} joins the shards of a {@code
 * *.safetensors.index.json}. Both implement {@link dev.stepwise.engine.weights.TensorSource}, which
 * always yields FLOAT32 arrays that own their memory. (The tests write their fixtures with a {@code
 * SafetensorsWriter} of their own.)
 */
package dev.stepwise.engine.weights;
