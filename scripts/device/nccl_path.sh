# Sourced (not run) by the device scripts: puts the GPU machine's own NCCL on LD_LIBRARY_PATH. The
# CUDA binaries link libnccl.so.2 (cuda/nccl_halo_comm.cu), which the bundle leaves out (it is
# 218 MB; scripts/device/bundle.sh). Looks where NCCL is usually installed: the dynamic linker's
# cache, the CUDA toolkit, then pip's nvidia-nccl wheel. Sets FFDP_NCCL_LIB to the file found
# ("" when none: the binaries will not start, and the message below says why).
#   . scripts/device/nccl_path.sh
FFDP_NCCL_LIB=""
ffdp_nccl_found() {
  FFDP_NCCL_LIB=$1
  case ":${LD_LIBRARY_PATH:-}:" in
    *":$(dirname "$1"):"*) ;;
    *) export LD_LIBRARY_PATH="$(dirname "$1")${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" ;;
  esac
}
if ldconfig -p 2>/dev/null | grep -q 'libnccl\.so\.2 '; then
  FFDP_NCCL_LIB=$(ldconfig -p | awk '/libnccl\.so\.2 / {print $NF; exit}')
else
  for ffdp_nccl_dir in /usr/local/cuda/lib64 /usr/local/cuda/lib /usr/local/cuda/targets/x86_64-linux/lib \
                       /usr/lib/x86_64-linux-gnu /usr/local/lib \
                       "$(python3 -c 'import nvidia.nccl, os; print(os.path.join(list(nvidia.nccl.__path__)[0], "lib"))' 2>/dev/null)"; do
    if [ -n "$ffdp_nccl_dir" ] && [ -e "$ffdp_nccl_dir/libnccl.so.2" ]; then
      ffdp_nccl_found "$ffdp_nccl_dir/libnccl.so.2"
      break
    fi
  done
  unset ffdp_nccl_dir
fi
if [ -n "$FFDP_NCCL_LIB" ]; then
  echo "NCCL: $FFDP_NCCL_LIB"
else
  echo "NCCL: libnccl.so.2 not found (ldconfig, /usr/local/cuda, pip nvidia-nccl); the CUDA binaries need it" >&2
fi
unset -f ffdp_nccl_found
