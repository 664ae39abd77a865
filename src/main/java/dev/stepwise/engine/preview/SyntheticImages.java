package dev.stepwise.engine.preview;

import java.util.SplittableRandom;

/** Smooth random colour images for fitting the preview projection. */
final class SyntheticImages {
  private SyntheticImages() {}

  /**
   * {@code n} images [n, 3, side, side] in [-1, 1]: each a bilinear blend of four random corner
   * colours with a random solid disc on top, so flat areas, gradients and edges all appear.
   */
  static float[] colourFields(int n, int side, SplittableRandom random) {
    float[] out = new float[n * 3 * side * side];
    int plane = side * side;
    for (int i = 0; i < n; i++) {
      float[][] corners = new float[4][3];
      for (float[] c : corners) {
        for (int k = 0; k < 3; k++) {
          c[k] = (float) random.nextDouble(-1, 1);
        }
      }
      float[] disc = {
        (float) random.nextDouble(-1, 1),
        (float) random.nextDouble(-1, 1),
        (float) random.nextDouble(-1, 1)
      };
      double cx = random.nextDouble(0.2, 0.8) * side;
      double cy = random.nextDouble(0.2, 0.8) * side;
      double r = random.nextDouble(0.15, 0.35) * side;
      for (int y = 0; y < side; y++) {
        double v = y / (double) (side - 1);
        for (int x = 0; x < side; x++) {
          double u = x / (double) (side - 1);
          boolean inDisc = (x - cx) * (x - cx) + (y - cy) * (y - cy) < r * r;
          for (int k = 0; k < 3; k++) {
            double val =
                inDisc
                    ? disc[k]
                    : (1 - u) * (1 - v) * corners[0][k]
                        + u * (1 - v) * corners[1][k]
                        + (1 - u) * v * corners[2][k]
                        + u * v * corners[3][k];
            out[(i * 3 + k) * plane + y * side + x] = (float) val;
          }
        }
      }
    }
    return out;
  }

  /** The mean colour [3] of the {@code f x f} block at latent pixel (lx, ly) of image {@code n}. */
  static double[] averageBlock(float[] pixels, int n, int side, int lx, int ly, int f) {
    double[] sum = new double[3];
    int plane = side * side;
    for (int y = ly * f; y < (ly + 1) * f; y++) {
      for (int x = lx * f; x < (lx + 1) * f; x++) {
        for (int k = 0; k < 3; k++) {
          sum[k] += pixels[(n * 3 + k) * plane + y * side + x];
        }
      }
    }
    for (int k = 0; k < 3; k++) {
      sum[k] /= (double) f * f;
    }
    return sum;
  }
}
