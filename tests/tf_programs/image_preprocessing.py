"""An image input pipeline and a tiny CNN step, TF1 style: resize_images (bilinear, and
nearest with a fed size), resize_bilinear with align_corners, flips, rot90, central_crop,
per_image_standardization, convert_image_dtype, a py_func augmentation, and the gradient
of a conv loss back through the resize into the input images."""

import numpy as np


def _jitter(images):
    return (images * np.float32(0.9) + np.float32(0.05)).astype(np.float32)


def main(tf, seed):
    rng = np.random.default_rng(seed)
    raw_v = rng.integers(0, 256, (2, 6, 5, 3)).astype(np.int32)
    size_v = np.array([4, 9], np.int32)

    raw = tf.placeholder(tf.int32, [2, 6, 5, 3])
    size = tf.placeholder(tf.int32, [2])
    images = tf.image.convert_image_dtype(raw * (2 ** 23), tf.float32)
    images = tf.py_func(_jitter, [images], tf.float32)
    images.set_shape([2, 6, 5, 3])
    big = tf.image.resize_images(images, [8, 8])
    nearest = tf.image.resize_images(images, size,
                                     method=tf.image.ResizeMethod.NEAREST_NEIGHBOR)
    corners = tf.image.resize_bilinear(images, [3, 7], align_corners=True)
    flipped = tf.image.flip_left_right(tf.image.flip_up_down(big))
    rotated = tf.image.rot90(big[0], k=1)
    cropped = tf.image.central_crop(big, 0.5)
    standard = tf.image.per_image_standardization(cropped)
    filters = tf.Variable(rng.standard_normal((3, 3, 3, 4)).astype(np.float32) * 0.1)
    conv = tf.nn.relu(tf.nn.conv2d(tf.image.resize_bilinear(standard, [6, 6]), filters,
                                   [1, 1, 1, 1], "SAME"))
    loss = tf.reduce_mean(tf.square(conv - 0.5))
    grads = tf.gradients(loss, [filters, big, images])

    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        out = sess.run([images, big, nearest, corners, flipped, rotated, cropped, standard,
                        loss] + grads, {raw: raw_v, size: size_v})
    tensors = (big, nearest, corners, cropped, standard)
    return {"out": out, "shapes": [t.shape.as_list() for t in tensors],
            "dtypes": [t.dtype.name for t in tensors]}
