package dev.stepwise.engine.pack;

import com.google.gson.JsonObject;
import dev.stepwise.engine.weights.SafetensorsWriter;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes diffusers-named tensors as a single-file LDM checkpoint, for tests: the reverse of {@link
 * LdmKeyMap}, written independently from the other direction's description (diffusers
 * scripts/convert_diffusers_to_original_stable_diffusion.py; sd-architecture.md section 4), so the
 * two meet only in the tests.
 */
public final class LdmTestCheckpoints {
  private LdmTestCheckpoints() {}

  /** A tensor: shape and values (values may be null for a header-only file). */
  public record Tensor(long[] shape, float[] values) {}

  /**
   * The LDM checkpoint of a model with these diffusers tensors per component ({@code unet}, {@code
   * vae}, {@code text_encoder}); {@code openClip} writes the text encoder in OpenCLIP's layout (SD
   * 2.x) with one extra residual block that SD 2.x never runs. Keys in LDM order, sorted.
   */
  public static Map<String, Tensor> toLdm(
      Map<String, Tensor> unet,
      JsonObject unetConfig,
      Map<String, Tensor> vae,
      int vaeLevels,
      Map<String, Tensor> text,
      boolean openClip) {
    Map<String, Tensor> out = new TreeMap<>();
    int l = unetConfig.get("layers_per_block").getAsInt() + 1;
    unet.forEach((k, t) -> out.put("model.diffusion_model." + unetKey(k, l, unet), t));
    vae.forEach((k, t) -> out.put("first_stage_model." + vaeKey(k, vaeLevels), vaeTensor(k, t)));
    if (openClip) {
      openClip(text, out, "cond_stage_model.model.", false);
    } else {
      text.forEach((k, t) -> out.put("cond_stage_model.transformer." + k, t));
    }
    return out;
  }

  /**
   * The SDXL checkpoint (Stability AI's generative-models names) of a model with these diffusers
   * tensors: the UNet with {@code label_emb}, CLIP ViT-L as {@code conditioner.embedders.0}, the
   * second encoder in OpenCLIP's layout as {@code conditioner.embedders.1} with every block and its
   * text projection stored [width, projection].
   */
  public static Map<String, Tensor> toSdxlLdm(
      Map<String, Tensor> unet,
      JsonObject unetConfig,
      Map<String, Tensor> vae,
      int vaeLevels,
      Map<String, Tensor> text,
      Map<String, Tensor> text2) {
    Map<String, Tensor> out = new TreeMap<>();
    int l = unetConfig.get("layers_per_block").getAsInt() + 1;
    unet.forEach((k, t) -> out.put("model.diffusion_model." + unetKey(k, l, unet), t));
    vae.forEach((k, t) -> out.put("first_stage_model." + vaeKey(k, vaeLevels), vaeTensor(k, t)));
    text.forEach((k, t) -> out.put("conditioner.embedders.0.transformer." + k, t));
    Map<String, Tensor> tower = new TreeMap<>(text2);
    Tensor projection = tower.remove("text_projection.weight"); // [P, D]
    openClip(tower, out, "conditioner.embedders.1.model.", true);
    out.put("conditioner.embedders.1.model.text_projection", transposed(projection));
    return out;
  }

  private static Tensor transposed(Tensor t) {
    long rows = t.shape()[0];
    long cols = t.shape()[1];
    if (t.values() == null) {
      return new Tensor(new long[] {cols, rows}, null);
    }
    float[] v = new float[t.values().length];
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        v[(int) (c * rows + r)] = t.values()[(int) (r * cols + c)];
      }
    }
    return new Tensor(new long[] {cols, rows}, v);
  }

  private static String unetKey(String k, int l, Map<String, Tensor> unet) {
    String[] p = k.split("\\.", 5);
    switch (p[0]) {
      case "add_embedding":
        return "label_emb.0." + (p[1].equals("linear_1") ? "0." : "2.") + p[2];
      case "conv_in":
        return "input_blocks.0.0." + k.substring(8);
      case "conv_norm_out":
        return "out.0." + k.substring(14);
      case "conv_out":
        return "out.2." + k.substring(9);
      case "time_embedding":
        return (p[1].equals("linear_1") ? "time_embed.0." : "time_embed.2.") + p[2];
      case "mid_block":
        if (k.startsWith("mid_block.attentions.0.")) {
          return "middle_block.1." + k.substring("mid_block.attentions.0.".length());
        }
        return "middle_block." + (p[2].equals("0") ? 0 : 2) + "." + resnet(k.substring(20));
      default:
        break;
    }
    int b = Integer.parseInt(p[1]);
    String rest = p[4];
    boolean down = p[0].equals("down_blocks");
    if (p[2].equals("downsamplers")) {
      return "input_blocks." + ((b + 1) * l) + ".0.op." + rest.substring("conv.".length());
    }
    if (p[2].equals("upsamplers")) {
      boolean attn = unet.containsKey("up_blocks." + b + ".attentions.0.proj_in.weight");
      return "output_blocks." + (b * l + l - 1) + "." + (attn ? 2 : 1) + "." + rest;
    }
    int j = Integer.parseInt(p[3]);
    int index = down ? 1 + b * l + j : b * l + j;
    String block = (down ? "input_blocks." : "output_blocks.") + index;
    return p[2].equals("resnets") ? block + ".0." + resnet(rest) : block + ".1." + rest;
  }

  private static String resnet(String rest) {
    String[][] names = {
      {"norm1.", "in_layers.0."},
      {"conv1.", "in_layers.2."},
      {"time_emb_proj.", "emb_layers.1."},
      {"norm2.", "out_layers.0."},
      {"conv2.", "out_layers.3."},
      {"conv_shortcut.", "skip_connection."}
    };
    for (String[] n : names) {
      if (rest.startsWith(n[0])) {
        return n[1] + rest.substring(n[0].length());
      }
    }
    throw new IllegalArgumentException(rest);
  }

  private static String vaeKey(String k, int levels) {
    String s =
        k.replace(".conv_norm_out.", ".norm_out.")
            .replace(".conv_shortcut.", ".nin_shortcut.")
            .replace(".mid_block.resnets.0.", ".mid.block_1.")
            .replace(".mid_block.resnets.1.", ".mid.block_2.")
            .replace(".mid_block.attentions.0.group_norm.", ".mid.attn_1.norm.")
            .replace(".mid_block.attentions.0.to_q.", ".mid.attn_1.q.")
            .replace(".mid_block.attentions.0.to_k.", ".mid.attn_1.k.")
            .replace(".mid_block.attentions.0.to_v.", ".mid.attn_1.v.")
            .replace(".mid_block.attentions.0.to_out.0.", ".mid.attn_1.proj_out.")
            .replace(".downsamplers.0.conv.", ".downsample.conv.")
            .replace(".upsamplers.0.conv.", ".upsample.conv.")
            .replace(".resnets.", ".block.");
    if (s.startsWith("encoder.down_blocks.")) {
      return "encoder.down." + s.substring("encoder.down_blocks.".length());
    }
    if (s.startsWith("decoder.up_blocks.")) {
      String rest = s.substring("decoder.up_blocks.".length());
      int dot = rest.indexOf('.');
      int i = Integer.parseInt(rest.substring(0, dot));
      return "decoder.up." + (levels - 1 - i) + rest.substring(dot);
    }
    return s;
  }

  /** The mid attention's linear weights [C, C] as LDM's 1x1 convolutions [C, C, 1, 1]. */
  private static Tensor vaeTensor(String k, Tensor t) {
    if (k.contains("mid_block.attentions.0.to_") && k.endsWith(".weight")) {
      return new Tensor(new long[] {t.shape()[0], t.shape()[1], 1, 1}, t.values());
    }
    return t;
  }

  private static void openClip(
      Map<String, Tensor> text, Map<String, Tensor> out, String p, boolean allBlocks) {
    int layers = 0;
    for (Map.Entry<String, Tensor> e : text.entrySet()) {
      String k = e.getKey();
      if (k.equals("text_model.embeddings.token_embedding.weight")) {
        out.put(p + "token_embedding.weight", e.getValue());
      } else if (k.equals("text_model.embeddings.position_embedding.weight")) {
        out.put(p + "positional_embedding", e.getValue());
      } else if (k.startsWith("text_model.final_layer_norm.")) {
        out.put(p + "ln_final." + k.substring(28), e.getValue());
      } else if (k.startsWith("text_model.encoder.layers.")) {
        String[] s = k.substring(26).split("\\.", 2);
        layers = Math.max(layers, Integer.parseInt(s[0]) + 1);
        String block = p + "transformer.resblocks." + s[0] + ".";
        String rest =
            s[1].replace("layer_norm1.", "ln_1.")
                .replace("layer_norm2.", "ln_2.")
                .replace("self_attn.out_proj.", "attn.out_proj.")
                .replace("mlp.fc1.", "mlp.c_fc.")
                .replace("mlp.fc2.", "mlp.c_proj.");
        if (rest.startsWith("self_attn.q_proj.")) {
          String param = rest.substring("self_attn.q_proj.".length());
          String l = "text_model.encoder.layers." + s[0] + ".self_attn.";
          out.put(
              block + "attn.in_proj_" + param,
              concat(
                  text.get(l + "q_proj." + param),
                  text.get(l + "k_proj." + param),
                  text.get(l + "v_proj." + param)));
        } else if (!rest.startsWith("self_attn.")) {
          out.put(block + rest, e.getValue());
        }
      } else if (!k.endsWith("position_ids")) {
        throw new IllegalArgumentException(k);
      }
    }
    out.put(p + "logit_scale", new Tensor(new long[] {}, new float[] {4.6f}));
    if (allBlocks) {
      return;
    }
    // SD 2.x's extra block: OpenCLIP's last layer, which SD 2.x skips: a copy of layer 0, scaled.
    Map<String, Tensor> extra = new LinkedHashMap<>();
    String first = p + "transformer.resblocks.0.";
    String last = p + "transformer.resblocks." + layers + ".";
    out.forEach(
        (k, t) -> {
          if (k.startsWith(first)) {
            extra.put(last + k.substring(first.length()), t);
          }
        });
    out.putAll(extra);
    long h = text.get("text_model.final_layer_norm.weight").shape()[0];
    out.put(p + "text_projection", new Tensor(new long[] {h, h}, null));
  }

  private static Tensor concat(Tensor q, Tensor k, Tensor v) {
    long[] shape = q.shape().clone();
    shape[0] *= 3; // [C, ...] x 3 -> [3C, ...]
    if (q.values() == null) {
      return new Tensor(shape, null);
    }
    int n = q.values().length;
    float[] all = new float[3 * n];
    System.arraycopy(q.values(), 0, all, 0, n);
    System.arraycopy(k.values(), 0, all, n, n);
    System.arraycopy(v.values(), 0, all, 2 * n, n);
    return new Tensor(shape, all);
  }

  /** Writes {@code tensors} as F32 or F16; null values are filled with small deterministic ones. */
  public static void write(Map<String, Tensor> tensors, Path file, boolean f16) {
    write(tensors, file, f16 ? "F16" : "F32");
  }

  /** Writes {@code tensors} as {@code dtype} (F32, F16 or BF16), null values filled as above. */
  public static void write(Map<String, Tensor> tensors, Path file, String dtype) {
    SafetensorsWriter w = new SafetensorsWriter();
    tensors.forEach(
        (k, t) -> {
          float[] v = t.values();
          if (v == null) {
            long n = 1;
            for (long d : t.shape()) {
              n *= d;
            }
            v = new float[(int) n];
            for (int i = 0; i < v.length; i++) {
              v[i] = (float) Math.sin(i) * 0.01f;
            }
          }
          switch (dtype) {
            case "F16" -> w.putF16(k, t.shape(), v);
            case "BF16" -> w.putBf16(k, t.shape(), v);
            default -> w.putF32(k, t.shape(), v);
          }
        });
    w.write(file);
  }

  /**
   * Writes only the header of an F16 file holding {@code tensors}, then extends the file to its
   * full length without writing the data: a sparse file, so the full-size checkpoint costs a few
   * hundred kilobytes of disk.
   */
  public static void writeSparse(Map<String, Tensor> tensors, Path file) throws IOException {
    StringBuilder json = new StringBuilder("{");
    long offset = 0;
    for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
      long n = 2;
      for (long d : e.getValue().shape()) {
        n *= d;
      }
      json.append(json.length() > 1 ? "," : "")
          .append('"')
          .append(e.getKey())
          .append("\":{\"dtype\":\"F16\",\"shape\":")
          .append(java.util.Arrays.toString(e.getValue().shape()).replace(" ", ""))
          .append(",\"data_offsets\":[")
          .append(offset)
          .append(',')
          .append(offset + n)
          .append("]}");
      offset += n;
    }
    json.append('}');
    while (json.length() % 8 != 0) {
      json.append(' ');
    }
    byte[] header = json.toString().getBytes(StandardCharsets.UTF_8);
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      f.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).array());
      f.write(header);
      f.setLength(8 + header.length + offset);
    }
  }
}
