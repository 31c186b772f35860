"""Installs tf1seq: Keras-free TF1 sequence models on current TensorFlow."""

import setuptools

setuptools.setup(
    name="tf1seq",
    version="0.1.0",
    description=("TensorFlow-1-style RNN cells, layers and trainers that run "
                 "on TensorFlow >= 2.16 with Keras 3, checkpoint-compatible "
                 "with TF1."),
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    license="Apache 2.0",
    python_requires=">=3.9",
    packages=setuptools.find_packages(include=["tf1seq", "tf1seq.*",
                                               "train", "train.*"]),
    package_data={"tf1seq.data": ["mnist_sample/*.gz", "mnist_sample/README"]},
    install_requires=[
        "tensorflow>=2.16",
        "tf-slim>=1.1",
        "numpy",
        "absl-py",
    ],
    extras_require={
        # Test-only: tf_keras provides nothing tf1seq imports; the tests use
        # TensorFlow's own legacy cells as the oracle.
        "test": ["pytest", "tf_keras"],
    },
)
