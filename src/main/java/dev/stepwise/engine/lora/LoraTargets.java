package dev.stepwise.engine.lora;

import ai.djl.ndarray.NDArray;
import java.util.HashMap;
import java.util.Map;

/**
 * The layers of a loaded model a LoRA may change: every {@code .weight} of rank 2 (linear) or 4
 * (convolution) of the text encoder and the UNet, by module name (dotted, as diffusers and
 * transformers write it, and with underscores, as kohya-ss writes it: A1111's networks.py
 * assign_network_names_to_compvis_modules does the same replacement). The arrays are the very ones
 * the layers hold.
 */
public final class LoraTargets {

  /** The network a layer belongs to; it decides which multiplier applies. */
  public enum Part {
    TEXT_ENCODER,
    /** SDXL's second text encoder (OpenCLIP ViT-bigG as CLIPTextModelWithProjection). */
    TEXT_ENCODER_2,
    UNET
  }

  /** One layer's weight: {@code key} is the full weight key, e.g. {@code conv_in.weight}. */
  public record Target(Part part, String key, NDArray weight) {
    long[] shape() {
      return weight.getShape().getShape();
    }
  }

  private final String modelName;
  private final int layersPerBlock;
  private boolean sdxl;
  private final Map<Part, Map<String, Target>> dotted = new HashMap<>();
  private final Map<Part, Map<String, Target>> underscored = new HashMap<>();

  private LoraTargets(String modelName, int layersPerBlock) {
    this.modelName = modelName;
    this.layersPerBlock = layersPerBlock;
  }

  /**
   * The targets of a model named {@code modelName} (for messages) from the arrays its text encoder
   * and UNet loaded ({@link dev.stepwise.engine.nn.Parameters#loadedArrays()}).
   */
  public static LoraTargets of(
      String modelName,
      Map<String, NDArray> textEncoder,
      Map<String, NDArray> unet,
      int layersPerBlock) {
    return of(modelName, textEncoder, null, unet, layersPerBlock);
  }

  /**
   * The targets of an SDXL model: {@code textEncoder2} holds the second text encoder's arrays (null
   * for SD 1.x / 2.x); on the SDXL refiner, which has only the second encoder, {@code textEncoder}
   * is empty.
   */
  public static LoraTargets of(
      String modelName,
      Map<String, NDArray> textEncoder,
      Map<String, NDArray> textEncoder2,
      Map<String, NDArray> unet,
      int layersPerBlock) {
    LoraTargets t = new LoraTargets(modelName, layersPerBlock);
    t.sdxl = textEncoder2 != null;
    t.add(Part.TEXT_ENCODER, textEncoder);
    t.add(Part.TEXT_ENCODER_2, textEncoder2 == null ? Map.of() : textEncoder2);
    t.add(Part.UNET, unet);
    return t;
  }

  /** Whether the model is SDXL-shaped (two text encoders, or the refiner's second alone). */
  public boolean sdxl() {
    return sdxl;
  }

  private void add(Part part, Map<String, NDArray> arrays) {
    Map<String, Target> byDot = dotted.computeIfAbsent(part, p -> new HashMap<>());
    Map<String, Target> byUnderscore = underscored.computeIfAbsent(part, p -> new HashMap<>());
    for (Map.Entry<String, NDArray> e : arrays.entrySet()) {
      int rank = e.getValue().getShape().dimension();
      if (!e.getKey().endsWith(".weight") || (rank != 2 && rank != 4)) {
        continue;
      }
      String module = e.getKey().substring(0, e.getKey().length() - ".weight".length());
      Target t = new Target(part, e.getKey(), e.getValue());
      byDot.put(module, t);
      byUnderscore.put(module.replace('.', '_'), t);
    }
  }

  /** The model's name, for messages. */
  public String modelName() {
    return modelName;
  }

  /** The UNet's layers per block (for LDM-named LoRA). */
  int layersPerBlock() {
    return layersPerBlock;
  }

  /** The array of weight {@code key} ({@code conv_in.weight}) of {@code part}, or null. */
  public NDArray weight(Part part, String key) {
    if (!key.endsWith(".weight")) {
      return null;
    }
    Target t = byDotted(part, key.substring(0, key.length() - ".weight".length()));
    return t == null ? null : t.weight();
  }

  /** The layer named {@code module} with dots, or null. */
  Target byDotted(Part part, String module) {
    return dotted.get(part).get(module);
  }

  /** The layer named {@code module} with underscores, or null. */
  Target byUnderscored(Part part, String module) {
    return underscored.get(part).get(module);
  }
}
