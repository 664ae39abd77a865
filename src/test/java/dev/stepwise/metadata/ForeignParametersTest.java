package dev.stepwise.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The readers the corpus has no file for, and the parts of the others it does not reach. */
class ForeignParametersTest {
  @TempDir Path dir;

  /** JSON written with single quotes, which need no escapes here. */
  static String q(String json) {
    return json.replace('\'', '"');
  }

  @Test
  void anImg2ImgSamplerIsNamedAndItsSizeUnknown() {
    ParametersRead r =
        ForeignParameters.read(
            Map.of(
                "prompt",
                q(
                    "{'3': {'class_type': 'KSampler', 'inputs': {'seed': 2, 'steps': 20, 'cfg':"
                        + " 8.0, 'sampler_name': 'sample_dpmpp_2m', 'scheduler': 'normal',"
                        + " 'denoise': 0.8700000000000001, 'positive': ['6', 0], 'negative': ['6',"
                        + " 0], 'latent_image': ['12', 0]}}, '6': {'class_type': 'CLIPTextEncode',"
                        + " 'inputs': {'text': 'a moth'}}, '10': {'class_type': 'LoadImage',"
                        + " 'inputs': {'image': 'example.png'}}, '12': {'class_type': 'VAEEncode',"
                        + " 'inputs': {'pixels': ['10', 0]}}}")));
    assertEquals("dpmpp_2m", SamplerNames.resolve(r.parameters().sampler()).cliName());
    assertEquals("0.87", r.parameters().extras().get("Denoising strength"));
    String all = String.join(" ", r.notices());
    assertTrue(all.contains("denoise 0.87 over an image (img2img)"), all);
    assertTrue(all.contains("does not record its size, so Stepwise uses 512x512"), all);
  }

  /** Draw Things' XMP, with the values an exiftool dump of one of its PNGs shows. */
  static String drawThings(String comment) {
    return "<?xpacket begin='' id='W5M0MpCehiHzreSzNTczkc9d'?><x:xmpmeta"
        + " xmlns:x='adobe:ns:meta/'><rdf:RDF"
        + " xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'><rdf:Description"
        + " rdf:about=''><dc:description><rdf:Alt><rdf:li xml:lang='x-default'>a picture of"
        + " a guitar (floating on a lake) [near the beach]\n"
        + "-ocean, (sunny), [sad], &lt;bad_prompt&gt;\n"
        + "Steps: 10, Sampler: DPM++ 2M Karras, Guidance Scale: 10.0, Seed: 1177739245,"
        + " Size: 1152x768, Model: sd_v1.4_f16.ckpt, Strength: 1.0, Hires Fix:"
        + " true</rdf:li></rdf:Alt></dc:description><xmp:CreatorTool>Draw"
        + " Things</xmp:CreatorTool>"
        + (comment == null
            ? ""
            : "<exif:UserComment><rdf:Alt><rdf:li xml:lang='x-default'>"
                + comment
                + "</rdf:li></rdf:Alt></exif:UserComment>")
        + "</rdf:Description></rdf:RDF></x:xmpmeta>";
  }

  @Test
  void drawThingsIsReadFromItsJsonElseFromItsDescription() {
    String json =
        q("{'c': 'a picture of a guitar (floating on a lake) [near the beach]', 'uc': 'ocean,"
                + " (sunny), [sad], <bad_prompt>', 'seed': 1177739245, 'steps': 10, 'scale': 10,"
                + " 'sampler': 'DDIM Trailing', 'size': '1152x768', 'model': 'sd_v1.4_f16.ckpt',"
                + " 'strength': 1, 'hires_fix': true}")
            .replace("<", "&lt;")
            .replace(">", "&gt;")
            .replace("\"", "&quot;");
    for (String comment : new String[] {json, null}) {
      ParametersRead r = ForeignParameters.read(Map.of(XmpParameters.KEY, drawThings(comment)));
      GenerationParameters p = r.parameters();
      assertEquals("Draw Things", r.tool());
      assertEquals("a picture of a guitar (floating on a lake) [near the beach]", p.prompt());
      assertEquals("ocean, (sunny), [sad], <bad_prompt>", p.negativePrompt());
      assertEquals(10, p.steps());
      assertEquals(10.0, p.guidance()); // scale, or the description's Guidance Scale
      assertEquals(1177739245L, p.seed());
      assertEquals(768, p.height());
      assertEquals("sd_v1.4_f16.ckpt", p.modelName());
      assertTrue(r.notices().isEmpty(), r.notices().toString());
      assertEquals(comment == null ? "DPM++ 2M Karras" : "DDIM Trailing", p.sampler());
    }
    SamplerChoice s = SamplerNames.resolve("DDIM Trailing");
    assertEquals("ddim", s.cliName());
    assertTrue(s.notice().contains("no Trailing schedule"), s.notice());
  }

  @Test
  void aWorkflowAloneGivesTheRecipeItsApiGraphGives() throws Exception {
    Map<String, String> text =
        ForeignParameters.readText(MetadataCorpus.file("comfyui-ksampler.png"));
    ParametersRead graph = ForeignParameters.read(Map.of("prompt", text.get("prompt")));
    ParametersRead workflow = ForeignParameters.read(Map.of("workflow", text.get("workflow")));
    assertEquals("ComfyUI workflow, KSampler node Sampler", workflow.tool());
    // the workflow's text still holds a comment, /* コメント */, that the API graph lost
    assertTrue(text.get("workflow").contains("/* "));
    assertEquals(graph.parameters(), workflow.parameters());
    assertEquals(graph.notices(), workflow.notices());
  }

  static final String CUSTOM =
      q(
          "{'1': {'class_type': 'SamplerCustomAdvanced', 'inputs': {'noise': ['2', 0],"
              + " 'guider': ['3', 0], 'sampler': ['4', 0], 'sigmas': ['5', 0],"
              + " 'latent_image': ['6', 0]}}, '2': {'class_type': 'RandomNoise', 'inputs':"
              + " {'noise_seed': 77}}, '3': {'class_type': 'CFGGuider', 'inputs': {'cfg':"
              + " 3.5, 'model': ['7', 0], 'positive': ['8', 0], 'negative': ['9', 0]}},"
              + " '4': {'class_type': 'KSamplerSelect', 'inputs': {'sampler_name':"
              + " 'euler'}}, '5': {'class_type': 'BasicScheduler', 'inputs': {'scheduler':"
              + " 'beta', 'steps': 24, 'denoise': 1.0, 'model': ['7', 0]}}, '6':"
              + " {'class_type': 'EmptySD3LatentImage', 'inputs': {'width': ['10', 0],"
              + " 'height': 832, 'batch_size': 2}}, '7': {'class_type':"
              + " 'LoraLoaderModelOnly', 'inputs': {'lora_name': 'ink.safetensors',"
              + " 'strength_model': 0.8, 'model': ['11', 0]}}, '8': {'class_type':"
              + " 'CLIPTextEncode', 'inputs': {'text': ['12', 0]}}, '9': {'class_type':"
              + " 'ConditioningZeroOut', 'inputs': {'conditioning': ['8', 0]}}, '10':"
              + " {'class_type': 'PrimitiveInt', 'inputs': {'value': 1216}}, '11':"
              + " {'class_type': 'UNETLoader', 'inputs': {'unet_name': 'flux.sft'}}, '12':"
              + " {'class_type': 'StringConcatenate', 'inputs': {'string_a': ['13', 0],"
              + " 'string_b': 'a fox', 'delimiter': ', '}}, '13': {'class_type':"
              + " 'PrimitiveStringMultiline', 'inputs': {'value': 'ink drawing'}}}");

  @Test
  void samplerCustomAdvancedIsFollowedThroughItsGuiderSamplerSigmasAndNoise() {
    ParametersRead r = ForeignParameters.read(Map.of("prompt", CUSTOM));
    GenerationParameters p = r.parameters();
    assertEquals("ComfyUI, SamplerCustomAdvanced node 1", r.tool());
    assertEquals("ink drawing, a fox", p.prompt());
    assertEquals(77, p.seed());
    assertEquals(3.5, p.guidance());
    assertEquals("euler", p.sampler());
    assertEquals("beta", p.scheduleType());
    assertEquals(24, p.steps());
    assertEquals(1216, p.width());
    assertEquals(832, p.height());
    assertEquals("flux.sft", p.modelName());
    assertEquals("2", p.extras().get("Batch size"));
    String all = String.join(" ", r.notices());
    assertTrue(all.contains("LoRAs ink.safetensors: 0.8"), all);
    // the negative is the positive zeroed out: it names the node instead of reading its text
    assertTrue(all.contains("negative conditioning"), all);
  }

  @Test
  void severalSamplersNameTheOneTakenAndACyclicGraphEnds() {
    String g =
        q(
            "{'9': {'class_type': 'KSampler', 'inputs': {'seed': 2, 'steps': 8, 'cfg': 5,"
                + " 'sampler_name': 'euler', 'scheduler': 'normal', 'denoise': 0.5,"
                + " 'positive': ['5', 0], 'negative': ['5', 0], 'latent_image': ['8', 0],"
                + " 'model': ['4', 0]}}, '8': {'class_type': 'LatentUpscale', 'inputs':"
                + " {'width': 1024, 'height': 1024, 'samples': ['3', 0]}}, '3':"
                + " {'class_type': 'KSampler', 'inputs': {'seed': 1, 'steps': 20, 'cfg': 7,"
                + " 'sampler_name': 'euler', 'scheduler': 'normal', 'positive': ['6', 0],"
                + " 'negative': ['6', 0], 'latent_image': ['7', 0], 'model': ['4', 0]}},"
                + " '4': {'class_type': 'ModelSamplingDiscrete', 'inputs': {'model': ['4',"
                + " 0]}}, '5': {'class_type': 'ConditioningCombine', 'inputs':"
                + " {'conditioning_1': ['6', 0], 'conditioning_2': ['5', 0]}}, '6':"
                + " {'class_type': 'ConditioningCombine', 'inputs': {'conditioning_1': ['5',"
                + " 0], 'conditioning_2': ['6', 0]}}, '7': {'class_type': 'EmptyLatentImage',"
                + " 'inputs': {'width': 512, 'height': 512, 'batch_size': 1}}}");
    ParametersRead r = ForeignParameters.read(Map.of("prompt", g));
    assertEquals("ComfyUI, KSampler node 3", r.tool());
    assertEquals(1, r.parameters().seed());
    assertEquals(512, r.parameters().width());
    String all = String.join(" ", r.notices());
    assertTrue(all.contains("2 samplers (nodes 9, 3); Stepwise took node 3, the first"), all);
    assertTrue(all.contains("holds no text Stepwise reads"), all);
  }

  /** A TIFF block whose Exif IFD (or IFD0) holds {@code comment} as the UserComment. */
  static byte[] tiff(ByteOrder order, byte[] comment, boolean inIfd0, int type) {
    ByteBuffer b = ByteBuffer.allocate(64 + comment.length).order(order);
    b.put(order == ByteOrder.LITTLE_ENDIAN ? new byte[] {'I', 'I'} : new byte[] {'M', 'M'});
    b.putShort((short) 42).putInt(8);
    int exifIfd = 8 + 2 + 12 + 4;
    int data = inIfd0 ? exifIfd : exifIfd + 2 + 12 + 4;
    b.putShort((short) 1);
    b.putShort((short) (inIfd0 ? 0x9286 : 0x8769))
        .putShort((short) (inIfd0 ? type : 4))
        .putInt(inIfd0 ? comment.length : 1)
        .putInt(inIfd0 ? data : exifIfd)
        .putInt(0);
    if (!inIfd0) {
      b.putShort((short) 1).putShort((short) 0x9286).putShort((short) type);
      b.putInt(comment.length).putInt(data).putInt(0);
    }
    b.put(comment);
    return java.util.Arrays.copyOf(b.array(), b.position());
  }

  static byte[] prefixed(String charset, byte[] text) {
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    o.writeBytes(java.util.Arrays.copyOf(charset.getBytes(StandardCharsets.ISO_8859_1), 8));
    o.writeBytes(text);
    return o.toByteArray();
  }

  static byte[] jpeg(byte[] tiff) {
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    o.writeBytes(new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xE0, 0, 4, 1, 2});
    int len = 2 + 6 + tiff.length;
    o.writeBytes(new byte[] {(byte) 0xFF, (byte) 0xE1, (byte) (len >> 8), (byte) len});
    o.writeBytes("Exif\0\0".getBytes(StandardCharsets.ISO_8859_1));
    o.writeBytes(tiff);
    o.writeBytes(new byte[] {(byte) 0xFF, (byte) 0xDA, 0, 2, (byte) 0xFF, (byte) 0xD9});
    return o.toByteArray();
  }

  static byte[] webp(byte[] exif) {
    ByteBuffer b = ByteBuffer.allocate(40 + exif.length).order(ByteOrder.LITTLE_ENDIAN);
    b.put("RIFF".getBytes(StandardCharsets.ISO_8859_1)).putInt(0);
    b.put("WEBPVP8X".getBytes(StandardCharsets.ISO_8859_1)).putInt(10).put(new byte[10]);
    b.put("EXIF".getBytes(StandardCharsets.ISO_8859_1)).putInt(exif.length).put(exif);
    if ((exif.length & 1) == 1) {
      b.put((byte) 0);
    }
    b.putInt(4, b.position() - 8);
    return java.util.Arrays.copyOf(b.array(), b.position());
  }

  static final String A1111 =
      "a fox 狐\nNegative prompt: blur\nSteps: 9, Sampler: Euler, CFG scale: 4, Seed: 3, Size:"
          + " 64x48";

  @Test
  void exifUserCommentsAreDecodedByTheirPrefixAndByteOrder() throws Exception {
    byte[][] files = {
      jpeg(
          tiff(
              ByteOrder.BIG_ENDIAN,
              prefixed("UNICODE", A1111.getBytes(StandardCharsets.UTF_16BE)),
              false,
              7)),
      jpeg(
          tiff(
              ByteOrder.LITTLE_ENDIAN,
              prefixed("UNICODE", A1111.getBytes(StandardCharsets.UTF_16BE)),
              false,
              7)),
      webp(
          tiff(
              ByteOrder.LITTLE_ENDIAN,
              prefixed("UNICODE", A1111.getBytes(StandardCharsets.UTF_16LE)),
              false,
              7)),
      webp(
          tiff(
              ByteOrder.BIG_ENDIAN,
              prefixed("ASCII", A1111.getBytes(StandardCharsets.UTF_8)),
              true,
              7)),
      jpeg(tiff(ByteOrder.BIG_ENDIAN, A1111.getBytes(StandardCharsets.UTF_8), true, 2)),
    };
    for (byte[] f : files) {
      Path p = dir.resolve("x.img");
      Files.write(p, f);
      GenerationParameters g = ForeignParameters.read(ForeignParameters.readText(p)).parameters();
      assertEquals("a fox 狐", g.prompt());
      assertEquals("blur", g.negativePrompt());
      assertEquals(48, g.height());
    }
    Path jis = dir.resolve("jis.jpg");
    Files.write(
        jis, jpeg(tiff(ByteOrder.BIG_ENDIAN, prefixed("JIS", new byte[] {0x30, 0x21}), false, 7)));
    MetadataException e =
        assertThrows(MetadataException.class, () -> ForeignParameters.readText(jis));
    assertTrue(e.getMessage().contains("JIS"), e.getMessage());
  }

  @Test
  void aComfyUiGraphWrappedInAUserCommentIsRead() {
    String wrapped = "{\"prompt\": " + CUSTOM + ", \"workflow\": {}}";
    assertEquals(
        "ComfyUI, SamplerCustomAdvanced node 1",
        ForeignParameters.read(Map.of(ExifComment.KEY, wrapped)).tool());
  }
}
