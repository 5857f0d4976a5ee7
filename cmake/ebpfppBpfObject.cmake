# ebpfpp_add_bpf_object(<target> SOURCES a.bpf.c [b.bpf.c ...] [SKELETON <name>] [VMLINUX] [NAMESPACE <ns>]
#                       [CFLAGS <flag> ...] [INCLUDE_DIRECTORIES <dir> ...])
#
# Compiles each BPF C source with clang for the byte order of the C++ target (-target bpfel|bpfeb -g -O2
# -D__TARGET_ARCH_<arch>) into <build>/<target>/<stem>.bpf.o, generates its skeleton header <stem>.skel.hpp with
# `ebpfpp gen skeleton` (class <stem>, or <name> with SKELETON <name> when there is one source), and makes <target>
# an INTERFACE library: linking it adds the headers' directory and ebpf::ebpf, and builds the objects first.
# VMLINUX generates vmlinux.h from /sys/kernel/btf/vmlinux (`ebpfpp btf dump --format c`) in the same directory,
# for `#include "vmlinux.h"`. The objects' paths are in the target's EBPFPP_OBJECTS property.
#
# Works from an installed ebpfpp (find_package(ebpfpp) includes this file and finds the installed `ebpfpp` tool)
# and from add_subdirectory (the tool is built first). Needs clang (CMake variable EBPFPP_CLANG to choose one) and
# the libbpf headers (bpf/bpf_helpers.h; Debian: libbpf-dev).
include_guard(GLOBAL)

function(ebpfpp_add_bpf_object target)
  cmake_parse_arguments(ARG "VMLINUX" "SKELETON;NAMESPACE" "SOURCES;CFLAGS;INCLUDE_DIRECTORIES" ${ARGN})
  if(NOT ARG_SOURCES)
    message(FATAL_ERROR "ebpfpp_add_bpf_object(${target}): SOURCES is required")
  endif()
  list(LENGTH ARG_SOURCES nsources)
  if(ARG_SKELETON AND NOT nsources EQUAL 1)
    message(FATAL_ERROR "ebpfpp_add_bpf_object(${target}): SKELETON names the skeleton of a single source")
  endif()

  if(NOT EBPFPP_CLANG)
    find_program(EBPFPP_CLANG NAMES clang clang-18 clang-17 clang-16 clang-15 clang-14)
    if(NOT EBPFPP_CLANG)
      message(FATAL_ERROR "ebpfpp_add_bpf_object: clang not found (set EBPFPP_CLANG)")
    endif()
  endif()

  # The tool: built here (add_subdirectory) or installed next to the package config.
  if(TARGET ebpfpp-cli)
    set(tool $<TARGET_FILE:ebpfpp-cli>)
    set(tool_dep ebpfpp-cli)
  else()
    get_property(tool GLOBAL PROPERTY EBPFPP_EXECUTABLE)
    if(NOT tool OR NOT EXISTS "${tool}")
      find_program(EBPFPP_EXECUTABLE_FOUND NAMES ebpfpp)
      set(tool ${EBPFPP_EXECUTABLE_FOUND})
    endif()
    if(NOT tool)
      message(FATAL_ERROR "ebpfpp_add_bpf_object: the ebpfpp tool was not found (install ebpfpp with its tool)")
    endif()
    set(tool_dep ${tool})
  endif()

  # Byte order and architecture of the C++ target (bpf_tracing.h's PT_REGS macros want __TARGET_ARCH_<arch>).
  set(order bpfel)
  if(CMAKE_CXX_BYTE_ORDER STREQUAL "BIG_ENDIAN" OR (NOT CMAKE_CXX_BYTE_ORDER AND CMAKE_C_BYTE_ORDER STREQUAL "BIG_ENDIAN"))
    set(order bpfeb)
  endif()
  string(TOLOWER "${CMAKE_SYSTEM_PROCESSOR}" cpu)
  if(cpu MATCHES "^(x86_64|amd64|i.86)$")
    set(arch x86)
  elseif(cpu MATCHES "^(aarch64|arm64)$")
    set(arch arm64)
  elseif(cpu MATCHES "^arm")
    set(arch arm)
  elseif(cpu MATCHES "^(ppc|powerpc)")
    set(arch powerpc)
  elseif(cpu MATCHES "^s390")
    set(arch s390)
  elseif(cpu MATCHES "^riscv")
    set(arch riscv)
  elseif(cpu MATCHES "^loongarch")
    set(arch loongarch)
  elseif(cpu MATCHES "^mips")
    set(arch mips)
  else()
    set(arch ${cpu})
  endif()

  set(out ${CMAKE_CURRENT_BINARY_DIR}/${target})
  set(outputs)
  set(objects)
  set(extra_deps)
  if(ARG_VMLINUX)
    add_custom_command(OUTPUT ${out}/vmlinux.h
      COMMAND ${CMAKE_COMMAND} -E make_directory ${out}
      COMMAND sh -c "\"$1\" btf dump /sys/kernel/btf/vmlinux --format c > \"$2.tmp\" && mv \"$2.tmp\" \"$2\""
              sh ${tool} ${out}/vmlinux.h
      DEPENDS ${tool_dep}
      COMMENT "vmlinux.h for ${target}" VERBATIM)
    list(APPEND outputs ${out}/vmlinux.h)
    list(APPEND extra_deps ${out}/vmlinux.h)
  endif()
  set(includes)
  foreach(dir IN LISTS ARG_INCLUDE_DIRECTORIES)
    get_filename_component(dir ${dir} ABSOLUTE)
    list(APPEND includes -I${dir})
  endforeach()
  if(CMAKE_LIBRARY_ARCHITECTURE)
    list(APPEND includes -I/usr/include/${CMAKE_LIBRARY_ARCHITECTURE})  # asm/types.h on Debian
  endif()

  foreach(src IN LISTS ARG_SOURCES)
    get_filename_component(src ${src} ABSOLUTE)
    get_filename_component(stem ${src} NAME)
    string(REGEX REPLACE "\\.bpf\\.c$" "" stem ${stem})
    string(REGEX REPLACE "\\.c$" "" stem ${stem})
    set(obj ${out}/${stem}.bpf.o)
    add_custom_command(OUTPUT ${obj}
      COMMAND ${CMAKE_COMMAND} -E make_directory ${out}
      COMMAND ${EBPFPP_CLANG} -target ${order} -g -O2 -D__TARGET_ARCH_${arch} -I${out} ${includes} ${ARG_CFLAGS}
              -c ${src} -o ${obj}
      DEPENDS ${src} ${extra_deps} IMPLICIT_DEPENDS C ${src}
      COMMENT "BPF ${stem}.bpf.o" VERBATIM)
    set(name ${stem})
    if(ARG_SKELETON)
      set(name ${ARG_SKELETON})
    endif()
    set(ns_args)
    if(ARG_NAMESPACE)
      set(ns_args --namespace ${ARG_NAMESPACE})
    endif()
    add_custom_command(OUTPUT ${out}/${name}.skel.hpp
      COMMAND ${tool} gen skeleton ${obj} --name ${name} ${ns_args} -o ${out}/${name}.skel.hpp
      DEPENDS ${obj} ${tool_dep}
      COMMENT "skeleton ${name}.skel.hpp" VERBATIM)
    list(APPEND outputs ${obj} ${out}/${name}.skel.hpp)
    list(APPEND objects ${obj})
  endforeach()

  add_custom_target(${target}_bpf DEPENDS ${outputs})
  add_library(${target} INTERFACE)
  add_dependencies(${target} ${target}_bpf)
  target_include_directories(${target} INTERFACE ${out})
  target_link_libraries(${target} INTERFACE ebpf::ebpf)
  set_target_properties(${target} PROPERTIES EBPFPP_OBJECTS "${objects}")
endfunction()
