#!/bin/bash
# Builds llama-cpp-python 0.3.36 from the sdist with native CPU flags, 1 job, niced.
set -e
cd /work/llama-cmp
export CMAKE_ARGS="-DGGML_NATIVE=ON -DLLAVA_BUILD=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TOOLS=OFF -DLLAMA_BUILD_SERVER=OFF"
export CMAKE_BUILD_PARALLEL_LEVEL=1
export MAKEFLAGS=-j1
nice -n 19 ./venv/bin/pip install -v --no-build-isolation \
  --config-settings=build-dir=/work/llama-cmp/build-llama \
  ./sdist/llama_cpp_python-0.3.36.tar.gz
