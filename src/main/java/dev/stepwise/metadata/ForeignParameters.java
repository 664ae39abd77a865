package dev.stepwise.metadata;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Reads the settings other tools record in an image, choosing the reader by what the file holds,
 * never by trying one reader after another:
 *
 * <ol>
 *   <li>{@code parameters-json} (Stability Matrix), a JSON object;
 *   <li>{@code parameters}: a JSON object (SwarmUI, Fooocus, RuinedFooocus, others) or else
 *       AUTOMATIC1111's text (A1111, Forge, reForge, SD.Next, ComfyUI saver nodes, Civitai);
 *   <li>{@code invokeai_metadata} (InvokeAI 3 and later); {@code sd-metadata}, else {@code Dream}
 *       (InvokeAI 2);
 *   <li>{@code Comment} JSON with {@code Software: NovelAI} (NovelAI);
 *   <li>{@code prompt}, a ComfyUI API graph; else {@code workflow}, a ComfyUI workflow;
 *   <li>an XMP packet (Draw Things);
 *   <li>a JPEG or WebP Exif user comment, read as {@code parameters} is.
 * </ol>
 *
 * <p>Stepwise's own {@code stepwise} chunk comes before all of these; the gallery reads it.
 */
public final class ForeignParameters {
  /** The sentence for an image with none of the metadata above. */
  public static final String NONE = "This image holds no generation parameters.";

  private static final Pattern FORGE = Pattern.compile("f\\d.*|neo|classic");

  private ForeignParameters() {}

  /**
   * The text metadata of a PNG, JPEG or WebP file: a PNG's text chunks ({@link PngText}), or a
   * JPEG's or WebP's Exif user comment and XMP packet ({@link ExifComment}).
   *
   * @throws MetadataException when the file is missing, unreadable, over 256 MiB, of another
   *     format, or damaged
   */
  public static Map<String, String> readText(Path file) {
    if (Files.isDirectory(file)) {
      throw new MetadataException(file + " is a folder, not an image file.");
    }
    byte[] head;
    try (InputStream in = Files.newInputStream(file)) {
      head = in.readNBytes(12);
    } catch (NoSuchFileException e) {
      throw new MetadataException("Image file " + file + " does not exist.", e);
    } catch (IOException e) {
      throw new MetadataException("Image file " + file + " cannot be read.", e);
    }
    if (head.length >= 8 && java.util.Arrays.equals(head, 0, 8, PngChunks.SIGNATURE, 0, 8)) {
      return PngText.read(file);
    }
    if (!ExifComment.handles(head)) {
      throw new MetadataException(
          "The file " + file.getFileName() + " is not a PNG, JPEG or WebP image.");
    }
    try {
      if (Files.size(file) > PngText.DEFAULT_MAX_FILE_BYTES) {
        throw new MetadataException(
            "Image file "
                + file.getFileName()
                + " is over "
                + PngText.DEFAULT_MAX_FILE_BYTES
                + " bytes; such files are not read.");
      }
      return ExifComment.read(file);
    } catch (IOException e) {
      throw new MetadataException("Image file " + file + " cannot be read.", e);
    }
  }

  /**
   * Reads the settings from an image's text metadata (keyword to text, as {@link #readText} gives).
   *
   * @throws MetadataException in one sentence when the image holds none, or holds a kind Stepwise
   *     does not read, or holds one with a value it cannot take (a non-numeric A1111 seed)
   */
  public static ParametersRead read(Map<String, String> text) {
    if (text == null || text.isEmpty()) {
      throw new MetadataException(NONE);
    }
    String smJson = text.get("parameters-json");
    JsonObject sm = Json.object(smJson, "parameters-json chunk");
    if (sm != null) {
      return JsonParameters.stabilityMatrix(sm);
    }
    if (text.containsKey("parameters")) {
      return fromText(text.get("parameters"), "parameters chunk", "ComfyUI");
    }
    String invoke = text.get("invokeai_metadata");
    if (invoke != null) {
      return JsonParameters.invokeAi(object(invoke, "invokeai_metadata chunk (InvokeAI)"));
    }
    if (text.containsKey("sd-metadata")) {
      return JsonParameters.invokeAi2(object(text.get("sd-metadata"), "sd-metadata (InvokeAI 2)"));
    }
    if (text.containsKey("Dream")) {
      return InvokeAiDream.read(text.get("Dream"));
    }
    String comment = text.get("Comment");
    if (comment != null && "NovelAI".equals(strip(text.get("Software")))) {
      return JsonParameters.novelAi(object(comment, "Comment chunk (NovelAI)"), text);
    }
    JsonObject graph = Json.object(text.get("prompt"), "prompt chunk (ComfyUI)");
    if (graph != null && ComfyGraph.isGraph(graph)) {
      return ComfyGraph.read(graph, "ComfyUI");
    }
    JsonObject workflow = Json.object(text.get("workflow"), "workflow chunk (ComfyUI)");
    if (workflow != null && ComfyWorkflow.isWorkflow(workflow)) {
      return ComfyGraph.read(ComfyWorkflow.toGraph(workflow), "ComfyUI workflow");
    }
    if (graph != null || workflow != null) {
      throw new MetadataException(
          "This image's ComfyUI chunks (prompt, workflow) hold no node Stepwise can read.");
    }
    if (text.containsKey(XmpParameters.KEY)) {
      return XmpParameters.read(text.get(XmpParameters.KEY));
    }
    if (text.containsKey(ExifComment.KEY)) {
      return fromText(text.get(ExifComment.KEY), "Exif user comment", "Civitai, a ComfyUI graph");
    }
    if (text.containsKey("invokeai_graph") || text.containsKey("invokeai_workflow")) {
      throw new MetadataException(
          "This image holds an InvokeAI graph without its invokeai_metadata chunk, which Stepwise"
              + " does not read.");
    }
    throw new MetadataException(NONE);
  }

  /**
   * Reads a {@code parameters} chunk or an Exif user comment: a JSON object by its shape (SwarmUI,
   * NovelAI's {@code Comment} wrapper, a ComfyUI graph, or a tool's own keys), any other text as
   * A1111's.
   */
  private static ParametersRead fromText(String value, String where, String graphTool) {
    JsonObject o = Json.object(value, where);
    if (o == null) {
      return a1111(value, null);
    }
    JsonObject novelAi = Json.object(Json.str(o, "Comment"), "NovelAI comment");
    if (novelAi != null) {
      return JsonParameters.novelAi(novelAi, Map.of());
    }
    JsonObject inner = Json.obj(o, "prompt");
    if (inner != null && ComfyGraph.isGraph(inner)) {
      return ComfyGraph.read(inner, "ComfyUI");
    }
    if (ComfyGraph.isGraph(o)) {
      return ComfyGraph.read(o, o.has("extraMetadata") ? graphTool : "ComfyUI");
    }
    return JsonParameters.parameters(o, where);
  }

  /**
   * Reads AUTOMATIC1111's text, naming the tool by its keys ({@code App}, {@code Version},
   * Civitai's own keys) unless {@code tool} names it already. SD.Next's {@code Sampler sigma} is
   * the schedule when there is no {@code Schedule type}.
   */
  static ParametersRead a1111(String text, String tool) {
    GenerationParameters p = InfoText.parse(text);
    Map<String, String> v = InfoText.values(text);
    RecipeDraft d = new RecipeDraft();
    d.prompt = p.prompt();
    d.negative = p.negativePrompt();
    d.steps = v.containsKey("Steps") ? p.steps() : null;
    d.sampler = v.getOrDefault("Sampler", "").isBlank() ? null : p.sampler();
    d.schedule = p.scheduleType();
    d.cfg = v.containsKey("CFG scale") || v.containsKey("CFG Scale") ? p.guidance() : null;
    d.seed = v.containsKey("Seed") ? p.seed() : null;
    d.width = v.containsKey("Size") ? p.width() : null;
    d.height = v.containsKey("Size") ? p.height() : null;
    d.model = p.modelName();
    d.modelHash = p.modelHash();
    d.version = p.version();
    d.extras.putAll(p.extras());
    if (d.schedule == null && d.extras.containsKey("Sampler sigma")) {
      d.schedule = d.extras.remove("Sampler sigma");
    }
    if (text.strip().isEmpty()) {
      d.prompt = null;
    }
    return d.finish(tool != null ? tool : a1111Tool(p));
  }

  private static String a1111Tool(GenerationParameters p) {
    String version = p.version();
    String app = p.extras().get("App");
    if (app != null) {
      return app + (version == null ? "" : " " + version);
    }
    if ("ComfyUI".equals(version)) {
      return "ComfyUI (a saver node's A1111 text)";
    }
    if (p.extras().containsKey("Civitai resources") || p.extras().containsKey("Civitai metadata")) {
      return "Civitai";
    }
    if (version != null && version.startsWith("Stepwise")) {
      return version;
    }
    if (version != null && FORGE.matcher(version).matches()) {
      return "Forge " + version;
    }
    return "AUTOMATIC1111" + (version == null ? " or a tool writing its text" : " " + version);
  }

  private static JsonObject object(String text, String what) {
    JsonObject o = Json.object(text, what);
    if (o == null) {
      throw new MetadataException(
          "The image's " + what + " is not a JSON object, so Stepwise cannot read it.");
    }
    return o;
  }

  private static String strip(String s) {
    return s == null ? null : s.strip();
  }
}
