package dev.stepwise.engine.lora;

import dev.stepwise.engine.EngineException;
import dev.stepwise.engine.lora.LoraTargets.Part;
import dev.stepwise.engine.lora.LoraTargets.Target;
import dev.stepwise.engine.pack.LdmLoraNames;
import dev.stepwise.engine.pack.PickleFiles;
import dev.stepwise.engine.weights.SafetensorsDtype;
import dev.stepwise.engine.weights.SafetensorsEntry;
import dev.stepwise.engine.weights.SafetensorsFile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A LoRA file (safetensors only) read and matched against a model's layers, every name and shape
 * checked from the header before any tensor is read; a file that does not fit is refused with one
 * sentence and nothing of it is used.
 *
 * <p>Names understood:
 *
 * <ul>
 *   <li>kohya-ss / A1111: {@code lora_unet_<module>} and {@code lora_te_<module>} with the module's
 *       diffusers / transformers name, dots as underscores, then {@code .lora_down.weight}, {@code
 *       .lora_up.weight} and {@code .alpha}; UNet modules may carry the LDM names ({@code
 *       lora_unet_input_blocks_1_1_proj_in}, mapped by {@link LdmLoraNames}). Convolution LoRA
 *       (LoCon) with a {@code [r, C, k, k]} down and a {@code [C', r, 1, 1]} up.
 *   <li>kohya-ss SDXL: {@code lora_te1_} (the first text encoder, CLIPTextModel) and {@code
 *       lora_te2_} (the second, CLIPTextModelWithProjection), both with transformers' names ({@code
 *       text_model_encoder_layers_0_self_attn_q_proj}); {@code lora_unet_} with the SDXL UNet's LDM
 *       names ({@code input_blocks_4_1_transformer_blocks_0_attn1_to_q}, as sd-scripts' SDXL UNet
 *       names them) or diffusers' names.
 *   <li>diffusers / PEFT: {@code unet.<module>}, {@code text_encoder.<module>} and (SDXL) {@code
 *       text_encoder_2.<module>} with {@code .lora_A.weight} / {@code .lora_B.weight}, {@code
 *       .lora.down.weight} / {@code .lora.up.weight}, {@code .lora_linear_layer.down.weight} /
 *       {@code .up.weight}, and the older attention processors' {@code
 *       .processor.to_q_lora.down.weight} ({@code to_out_lora} is {@code to_out.0}); an optional
 *       {@code .alpha}.
 * </ul>
 *
 * <p>The scale is A1111's (extensions-builtin/Lora/network.py NetworkModule.calc_scale): alpha /
 * rank when the file has an alpha, else 1; rank = the down weight's first dimension
 * (network_lora.py NetworkModuleLora.dim). LyCORIS' other forms (LoHa, LoKr, IA3, a CP-decomposed
 * {@code lora_mid}) are refused by name. An SDXL LoRA on an SD 1.x / 2.x model and an SD one on an
 * SDXL model are refused by their text encoders' prefixes or kohya's {@code ss_base_model_version}.
 */
public final class LoraFile implements AutoCloseable {
  /** The largest rank accepted (real LoRA use 4 to 256). */
  static final long MAX_RANK = 4096;

  private static final Pattern KOHYA = Pattern.compile("(lora_unet|lora_te[12]?)_([^.]+)\\.(.+)");
  private static final Pattern OLD_PROCESSOR =
      Pattern.compile("(.*)\\.processor\\.(to_q|to_k|to_v|to_out)_lora");

  /** One layer's pair: the target and the keys of its down and up weights (and alpha, or null). */
  record Module(Target target, String down, String up, String alpha, long rank) {}

  private enum Role {
    DOWN,
    UP,
    ALPHA,
    OTHER
  }

  private final String name;
  private final Path path;
  private final SafetensorsFile file;
  private final List<Module> modules;

  private LoraFile(String name, Path path, SafetensorsFile file, List<Module> modules) {
    this.name = name;
    this.path = path;
    this.file = file;
    this.modules = modules;
  }

  /**
   * Opens the LoRA {@code name} at {@code path} and matches it against {@code targets}.
   *
   * @throws EngineException with one sentence when the file is a pickle, unreadable, of another
   *     model family, or does not fit the model's shapes
   */
  public static LoraFile open(String name, Path path, LoraTargets targets) {
    if (PickleFiles.isPickle(path)) {
      throw new EngineException(PickleFiles.refusal("The LoRA " + path.getFileName()));
    }
    SafetensorsFile file;
    String origin = path.toString();
    try {
      file = SafetensorsFile.open(path, origin);
    } catch (EngineException e) {
      // The reader's sentence starts "safetensors file <path>: "; say which LoRA instead.
      String m = e.getMessage();
      String prefix = "safetensors file " + origin + ": ";
      String why = m.startsWith(prefix) ? m.substring(prefix.length()) : m;
      throw new EngineException("The LoRA " + name + " (" + path + ") cannot be read: " + why, e);
    }
    try {
      return new LoraFile(name, path, file, match(name, file, targets));
    } catch (RuntimeException e) {
      file.close();
      throw e;
    }
  }

  /** The name the prompt gave. */
  public String name() {
    return name;
  }

  /** The file. */
  public Path path() {
    return path;
  }

  /** The file's tensors (open until {@link #close()}). */
  SafetensorsFile tensors() {
    return file;
  }

  /** The matched layers, in key order. */
  List<Module> modules() {
    return modules;
  }

  /** The file's metadata ({@code __metadata__}). */
  public Map<String, String> metadata() {
    return file.metadata();
  }

  private static List<Module> match(String name, SafetensorsFile file, LoraTargets targets) {
    String what = "The LoRA " + name;
    String base = file.metadata().getOrDefault("ss_base_model_version", "");
    Map<String, Map<Role, String>> found = new LinkedHashMap<>(); // by part and weight key
    Map<String, Target> layers = new LinkedHashMap<>();
    String firstUnmatched = null;
    int matched = 0;
    for (String key : new TreeMap<>(entries(file)).keySet()) {
      refuseOtherFamily(what, key, base, targets);
      String[] parsed = parse(key, targets);
      if (parsed == null) {
        firstUnmatched = firstUnmatched == null ? key : firstUnmatched;
        continue;
      }
      Target t = target(parsed, targets);
      if (t == null) {
        firstUnmatched = firstUnmatched == null ? key : firstUnmatched;
        continue;
      }
      Role role = role(parsed[2]);
      if (role == Role.OTHER) {
        throw new EngineException(
            what
                + " holds "
                + key
                + ", a LyCORIS form (LoHa, LoKr, IA3 or CP-decomposed LoCon) Stepwise does not"
                + " merge; only plain LoRA and LoCon are.");
      }
      matched++;
      layers.put(t.part() + ":" + t.key(), t);
      found.computeIfAbsent(t.part() + ":" + t.key(), k -> new LinkedHashMap<>()).put(role, key);
    }
    if (firstUnmatched != null) {
      throw new EngineException(
          what
              + (matched == 0 ? " matches no layer of " : " has layers that ")
              + targets.modelName()
              + (matched == 0 ? " (first key: " : " does not have (first: ")
              + firstUnmatched
              + "); it is made for another model family.");
    }
    if (found.isEmpty()) {
      throw new EngineException(what + " holds no LoRA weights.");
    }
    List<Module> out = new ArrayList<>();
    for (Map.Entry<String, Map<Role, String>> e : found.entrySet()) {
      out.add(module(what, file, layers.get(e.getKey()), e.getValue(), targets.modelName()));
    }
    return List.copyOf(out);
  }

  /**
   * One sentence when {@code key} (or the file's kohya metadata {@code ss_base_model_version},
   * {@code base}) says the LoRA is for the other family: SDXL's names ({@code lora_te1_}, {@code
   * lora_te2_}, {@code text_encoder_2.}) on an SD 1.x / 2.x model, SD's {@code lora_te_} on SDXL.
   */
  private static void refuseOtherFamily(String what, String key, String base, LoraTargets targets) {
    if (!targets.sdxl()
        && (key.startsWith("lora_te1_")
            || key.startsWith("lora_te2_")
            || key.startsWith("text_encoder_2.")
            || base.startsWith("sdxl"))) {
      throw new EngineException(
          what
              + " is an SDXL LoRA (key "
              + key
              + "), but "
              + targets.modelName()
              + " is a Stable Diffusion 1.x or 2.x model.");
    }
    if (targets.sdxl()
        && (key.startsWith("lora_te_") || base.startsWith("sd_v1") || base.startsWith("sd_v2"))) {
      throw new EngineException(
          what
              + " is a Stable Diffusion 1.x or 2.x LoRA (key "
              + key
              + "), but "
              + targets.modelName()
              + " is an SDXL model.");
    }
  }

  private static Map<String, SafetensorsEntry> entries(SafetensorsFile file) {
    Map<String, SafetensorsEntry> m = new LinkedHashMap<>();
    for (SafetensorsEntry e : file.entries()) {
      m.put(e.name(), e);
    }
    return m;
  }

  /** {part, module, role suffix} of {@code key}, the module as written, or null. */
  private static String[] parse(String key, LoraTargets targets) {
    Matcher k = KOHYA.matcher(key);
    if (k.matches()) {
      String part =
          switch (k.group(1)) {
            case "lora_unet" -> "unet_";
            case "lora_te2" -> "te2_";
            default -> "te_"; // lora_te (SD 1.x / 2.x) or lora_te1 (SDXL's first encoder)
          };
      return new String[] {part, k.group(2), k.group(3)};
    }
    String part;
    String rest;
    if (key.startsWith("unet.")) {
      part = "unet.";
      rest = key.substring(5);
    } else if (key.startsWith("text_encoder_2.")) {
      part = "te2.";
      rest = key.substring(15);
    } else if (key.startsWith("text_encoder.")) {
      part = "te.";
      rest = key.substring(13);
    } else {
      return null;
    }
    for (String suffix :
        new String[] {
          "lora_A.weight",
          "lora_B.weight",
          "lora.down.weight",
          "lora.up.weight",
          "lora_linear_layer.down.weight",
          "lora_linear_layer.up.weight",
          "down.weight",
          "up.weight",
          "alpha"
        }) {
      if (rest.endsWith("." + suffix)) {
        String module = rest.substring(0, rest.length() - suffix.length() - 1);
        Matcher old = OLD_PROCESSOR.matcher(module);
        if (old.matches()) {
          module = old.group(1) + "." + (old.group(2).equals("to_out") ? "to_out.0" : old.group(2));
        }
        return new String[] {part, module, suffix};
      }
    }
    return new String[] {part, rest, "other"};
  }

  private static Target target(String[] parsed, LoraTargets targets) {
    Part part =
        parsed[0].startsWith("unet")
            ? Part.UNET
            : parsed[0].startsWith("te2") ? Part.TEXT_ENCODER_2 : Part.TEXT_ENCODER;
    if (parsed[0].endsWith(".")) {
      return targets.byDotted(part, parsed[1]);
    }
    Target t = targets.byUnderscored(part, parsed[1]);
    if (t == null && part == Part.UNET) {
      String ldm = parsed[1].startsWith("diffusion_model_") ? parsed[1].substring(16) : parsed[1];
      String name = LdmLoraNames.diffusersUnderscored(ldm, targets.layersPerBlock());
      t = name == null ? null : targets.byUnderscored(part, name);
    }
    return t;
  }

  private static Role role(String suffix) {
    return switch (suffix) {
      case "lora_down.weight",
          "lora_A.weight",
          "lora.down.weight",
          "lora_linear_layer.down.weight",
          "down.weight" ->
          Role.DOWN;
      case "lora_up.weight",
          "lora_B.weight",
          "lora.up.weight",
          "lora_linear_layer.up.weight",
          "up.weight" ->
          Role.UP;
      case "alpha" -> Role.ALPHA;
      default -> Role.OTHER;
    };
  }

  /**
   * Checks one layer's pair against the layer's weight W: down [r, in] or [r, in, kh, kw], up [out,
   * r] or [out, r, 1, 1], W [out, in] or [out, in, kh, kw] (network_lora.py create_module and
   * lyco_helpers.py rebuild_conventional: up and down flattened to matrices, their product reshaped
   * to W).
   */
  private static Module module(
      String what, SafetensorsFile file, Target t, Map<Role, String> keys, String model) {
    String down = keys.get(Role.DOWN);
    String up = keys.get(Role.UP);
    if (down == null || up == null) {
      String have = down != null ? down : up != null ? up : keys.get(Role.ALPHA);
      throw new EngineException(
          what
              + " holds "
              + have
              + " without its "
              + (down == null ? "down" : "up")
              + " weight; the file is incomplete.");
    }
    long[] d = file.shape(down); // [r, in] or [r, in, kh, kw]
    long[] u = file.shape(up); // [out, r] or [out, r, 1, 1]
    long[] w = t.shape(); // [out, in] or [out, in, kh, kw]
    long r = d.length > 0 ? d[0] : -1;
    boolean fits =
        (d.length == 2 || d.length == 4)
            && (u.length == 2 || (u.length == 4 && u[2] == 1 && u[3] == 1))
            && r > 0
            && r <= MAX_RANK
            && u[1] == r
            && u[0] == w[0]
            && d[1] == w[1]
            && (w.length == 2
                ? d.length == 2 || (d[2] == 1 && d[3] == 1)
                : d.length == 4 ? d[2] == w[2] && d[3] == w[3] : w[2] == 1 && w[3] == 1);
    if (!fits) {
      throw new EngineException(
          what
              + " does not fit "
              + model
              + ": "
              + down
              + " "
              + Arrays.toString(d)
              + " and "
              + up
              + " "
              + Arrays.toString(u)
              + " cannot change "
              + t.key()
              + " "
              + Arrays.toString(w)
              + "; it is made for another model.");
    }
    String alpha = keys.get(Role.ALPHA);
    for (String key : alpha == null ? List.of(down, up) : List.of(down, up, alpha)) {
      SafetensorsDtype dtype = file.entry(key).dtype();
      if (dtype != SafetensorsDtype.F32
          && dtype != SafetensorsDtype.F16
          && dtype != SafetensorsDtype.BF16) {
        throw new EngineException(
            what
                + "'s "
                + key
                + " is stored as "
                + dtype
                + "; a LoRA is read as F32, F16 or BF16.");
      }
    }
    if (alpha != null && Arrays.stream(file.shape(alpha)).reduce(1, (a, b) -> a * b) != 1) {
      throw new EngineException(
          what
              + "'s "
              + alpha
              + " has shape "
              + Arrays.toString(file.shape(alpha))
              + " but an alpha is one number.");
    }
    return new Module(t, down, up, alpha, r);
  }

  @Override
  public void close() {
    file.close();
  }
}
