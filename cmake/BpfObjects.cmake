# ebpfpp_bpf_objects(TARGET name OUTPUT_DIR dir SOURCES a.bpf.c ...)
# Compiles each BPF C source with clang for both byte orders: <dir>/<stem>.bpfel.o and <dir>/<stem>.bpfeb.o.
# A source may add flags of its own with a first-column comment line `// bpf-cflags: -mcpu=v3`.
find_program(EBPFPP_BPF_CLANG NAMES clang clang-16 clang-14 REQUIRED)
set(EBPFPP_BPF_CFLAGS -g -O2 -Wall -Werror -Wno-unused-function -Wno-unused-variable
    -I${PROJECT_SOURCE_DIR}/tests/bpf/include -I/usr/include/${CMAKE_LIBRARY_ARCHITECTURE}
    CACHE STRING "Flags for compiling BPF C sources")

function(ebpfpp_bpf_objects)
  cmake_parse_arguments(ARG "" "TARGET;OUTPUT_DIR" "SOURCES" ${ARGN})
  set(outputs)
  foreach(src IN LISTS ARG_SOURCES)
    get_filename_component(stem ${src} NAME)
    string(REGEX REPLACE "\\.bpf\\.c$" "" stem ${stem})
    file(STRINGS ${src} extra_line REGEX "^// bpf-cflags: " LIMIT_COUNT 1)
    set(extra_flags)
    if(extra_line)
      string(REGEX REPLACE "^// bpf-cflags: " "" extra_line "${extra_line}")
      separate_arguments(extra_flags UNIX_COMMAND "${extra_line}")
    endif()
    foreach(order bpfel bpfeb)
      set(out ${ARG_OUTPUT_DIR}/${stem}.${order}.o)
      add_custom_command(OUTPUT ${out}
        COMMAND ${CMAKE_COMMAND} -E make_directory ${ARG_OUTPUT_DIR}
        COMMAND ${EBPFPP_BPF_CLANG} -target ${order} ${EBPFPP_BPF_CFLAGS} ${extra_flags} -c ${src} -o ${out}
        DEPENDS ${src} IMPLICIT_DEPENDS C ${src}
        COMMENT "BPF ${stem}.${order}.o" VERBATIM)
      list(APPEND outputs ${out})
    endforeach()
  endforeach()
  add_custom_target(${ARG_TARGET} ALL DEPENDS ${outputs})
endfunction()
