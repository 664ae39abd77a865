package dev.stepwise.app.timeline;

import dev.stepwise.engine.RgbImage;
import dev.stepwise.files.AtomicWrite;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.ImageOutputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * Writes frames as an animated GIF89a with the JDK's GIF writer.
 *
 * <p>Each frame gets its own local colour table (the JDK's octree palette of at most 256 colours,
 * exact when a frame has no more colours than that), a Graphic Control Extension with the frame
 * delay in hundredths of a second and disposal "none", and the first frame carries the NETSCAPE2.0
 * application extension with the loop count (0 = forever), which every browser honours.
 */
public final class GifWriter {
  private static final String FORMAT = "javax_imageio_gif_image_1.0";

  private GifWriter() {}

  /**
   * Writes {@code frames} (all the same size) to {@code file} atomically.
   *
   * @param delayCentis delay after each frame in 1/100 s, 1 to 65535
   * @param loops how often the animation repeats, 0 for forever, at most 65535
   * @throws ExportException with a plain sentence when the frames are invalid or the file cannot be
   *     written
   */
  public static void write(Path file, List<RgbImage> frames, int delayCentis, int loops) {
    check(frames, delayCentis, loops);
    try {
      AtomicWrite.write(file, out -> encode(out, frames, delayCentis, loops));
    } catch (IOException | RuntimeException e) {
      throw new ExportException(
          "Could not save the animation to " + file + " (" + reason(e) + ").", e);
    }
  }

  /** Encodes {@code frames} as GIF bytes onto {@code out} (see {@link #write}). */
  public static void encode(OutputStream out, List<RgbImage> frames, int delayCentis, int loops)
      throws IOException {
    check(frames, delayCentis, loops);
    Iterator<ImageWriter> it = ImageIO.getImageWritersByFormatName("gif");
    if (!it.hasNext()) {
      throw new IOException("this Java runtime has no GIF writer");
    }
    ImageWriter writer = it.next();
    try (ImageOutputStream ios = new MemoryCacheImageOutputStream(out)) {
      writer.setOutput(ios);
      writer.prepareWriteSequence(null);
      ImageWriteParam param = writer.getDefaultWriteParam();
      for (int i = 0; i < frames.size(); i++) {
        BufferedImage img = toBuffered(frames.get(i));
        IIOMetadata meta =
            writer.getDefaultImageMetadata(ImageTypeSpecifier.createFromRenderedImage(img), param);
        IIOMetadataNode root = (IIOMetadataNode) meta.getAsTree(FORMAT);
        IIOMetadataNode gce = child(root, "GraphicControlExtension");
        gce.setAttribute("disposalMethod", "none");
        gce.setAttribute("userInputFlag", "FALSE");
        gce.setAttribute("transparentColorFlag", "FALSE");
        gce.setAttribute("delayTime", Integer.toString(delayCentis));
        gce.setAttribute("transparentColorIndex", "0");
        if (i == 0) {
          IIOMetadataNode apps = child(root, "ApplicationExtensions");
          IIOMetadataNode app = new IIOMetadataNode("ApplicationExtension");
          app.setAttribute("applicationID", "NETSCAPE");
          app.setAttribute("authenticationCode", "2.0");
          // Sub-block 1: loop count, little-endian 16 bits.
          app.setUserObject(new byte[] {1, (byte) (loops & 0xff), (byte) ((loops >> 8) & 0xff)});
          apps.appendChild(app);
        }
        meta.setFromTree(FORMAT, root);
        writer.writeToSequence(new IIOImage(img, null, meta), param);
      }
      writer.endWriteSequence();
    } finally {
      writer.dispose();
    }
  }

  private static void check(List<RgbImage> frames, int delayCentis, int loops) {
    if (frames == null || frames.isEmpty()) {
      throw new ExportException("There are no frames to save yet.", null);
    }
    RgbImage first = frames.get(0);
    for (RgbImage f : frames) {
      if (f.width() != first.width() || f.height() != first.height()) {
        throw new ExportException(
            "Every frame of an animation must have one size; got "
                + first.width()
                + "x"
                + first.height()
                + " and "
                + f.width()
                + "x"
                + f.height()
                + ".",
            null);
      }
    }
    if (first.width() > 65535 || first.height() > 65535) {
      throw new ExportException("A GIF can be at most 65535 pixels wide and high.", null);
    }
    if (delayCentis < 1 || delayCentis > 65535) {
      throw new ExportException(
          "The frame delay must be between 1 and 65535 hundredths of a second, got "
              + delayCentis
              + ".",
          null);
    }
    if (loops < 0 || loops > 65535) {
      throw new ExportException(
          "The loop count must be between 0 (forever) and 65535, got " + loops + ".", null);
    }
  }

  private static IIOMetadataNode child(IIOMetadataNode root, String name) {
    for (int i = 0; i < root.getLength(); i++) {
      if (root.item(i).getNodeName().equalsIgnoreCase(name)) {
        return (IIOMetadataNode) root.item(i);
      }
    }
    IIOMetadataNode node = new IIOMetadataNode(name);
    root.appendChild(node);
    return node;
  }

  /** Converts to a TYPE_INT_RGB image. */
  static BufferedImage toBuffered(RgbImage f) {
    BufferedImage img = new BufferedImage(f.width(), f.height(), BufferedImage.TYPE_INT_RGB);
    int[] px = new int[f.width() * f.height()];
    byte[] rgb = f.rgb();
    for (int p = 0; p < px.length; p++) {
      px[p] = (rgb[p * 3] & 0xff) << 16 | (rgb[p * 3 + 1] & 0xff) << 8 | (rgb[p * 3 + 2] & 0xff);
    }
    img.setRGB(0, 0, f.width(), f.height(), px, 0, f.width());
    return img;
  }

  static String reason(Throwable e) {
    String m = e.getMessage();
    if (e instanceof java.nio.file.AccessDeniedException) {
      return "permission denied";
    }
    if (e instanceof java.nio.file.NoSuchFileException) {
      return "the folder does not exist";
    }
    return m == null || m.isBlank() ? e.getClass().getSimpleName() : m.replaceAll("[.\\s]+$", "");
  }
}
