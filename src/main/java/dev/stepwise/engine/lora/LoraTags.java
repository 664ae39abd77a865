package dev.stepwise.engine.lora;

import dev.stepwise.engine.EngineException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * AUTOMATIC1111's extra-network tags in a prompt: {@code <lora:name>}, {@code <lora:name:w>},
 * {@code <lora:name:te:unet>}, {@code <lora:name:w:unet=u>}. As A1111 does
 * (modules/extra_networks.py, re_extra_net {@code <(\w+):([^>]+)>} and parse_prompt), every tag of
 * that shape is cut out of the text the encoder sees, whatever its network type; the {@code lora}
 * ones are collected. The weights follow extensions-builtin/Lora/extra_networks_lora.py activate:
 * the first number (or {@code te=}) is the text encoder's multiplier, 1 when absent; the second (or
 * {@code unet=}) the UNet's, the text encoder's when absent. A1111 parses only the prompt's tags
 * (processing.py parse_extra_network_prompts), not the negative prompt's.
 */
public final class LoraTags {
  private static final Pattern TAG = Pattern.compile("<(\\w+):([^>]+)>");

  /** One {@code <lora:...>} tag: the name as written, and its two multipliers. */
  public record Tag(String name, double textEncoderWeight, double unetWeight) {}

  /**
   * A prompt with its tags cut out.
   *
   * @param text what the text encoder reads
   * @param loras the {@code lora} tags, in order
   * @param otherTypes the other network types met ({@code hypernet}, ...), in order, once each
   */
  public record Parsed(String text, List<Tag> loras, List<String> otherTypes) {}

  private LoraTags() {}

  /**
   * Cuts the tags out of {@code prompt}.
   *
   * @throws EngineException when a {@code lora} tag's weight is not a number or its name is empty
   */
  public static Parsed parse(String prompt) {
    Matcher m = TAG.matcher(prompt);
    StringBuilder text = new StringBuilder();
    List<Tag> loras = new ArrayList<>();
    List<String> others = new ArrayList<>();
    int last = 0;
    while (m.find()) {
      text.append(prompt, last, m.start());
      last = m.end();
      if (m.group(1).equals("lora")) {
        loras.add(tag(m.group(0), m.group(2)));
      } else if (!others.contains(m.group(1))) {
        others.add(m.group(1));
      }
    }
    text.append(prompt.substring(last));
    return new Parsed(text.toString(), List.copyOf(loras), List.copyOf(others));
  }

  /** Whether {@code prompt} holds any extra-network tag. */
  public static boolean hasTags(String prompt) {
    return TAG.matcher(prompt).find();
  }

  private static Tag tag(String whole, String args) {
    // extra_networks.py ExtraNetworkParams: items split on ":"; "key=value" items are named.
    String[] items = args.split(":", -1);
    List<String> positional = new ArrayList<>();
    String te = null;
    String unet = null;
    for (String item : items) {
      int eq = item.indexOf('=');
      if (eq > 0 && item.substring(0, eq).equals("te")) {
        te = item.substring(eq + 1);
      } else if (eq > 0 && item.substring(0, eq).equals("unet")) {
        unet = item.substring(eq + 1);
      } else if (eq < 0) {
        positional.add(item);
      }
    }
    String name = positional.isEmpty() ? "" : positional.get(0).strip();
    if (name.isEmpty()) {
      throw new EngineException("The prompt's tag " + whole + " names no LoRA.");
    }
    double teWeight = positional.size() > 1 ? number(positional.get(1), whole) : 1.0;
    teWeight = te != null ? number(te, whole) : teWeight;
    double unetWeight = positional.size() > 2 ? number(positional.get(2), whole) : teWeight;
    unetWeight = unet != null ? number(unet, whole) : unetWeight;
    return new Tag(name, teWeight, unetWeight);
  }

  private static double number(String s, String whole) {
    try {
      double v = Double.parseDouble(s.strip());
      if (Double.isFinite(v)) {
        return v;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new EngineException(
        "The prompt's tag " + whole + " has the weight \"" + s + "\", which is not a number.");
  }
}
