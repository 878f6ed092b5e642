# Build settings and warnings for the project's own targets (never for dependencies).
option(KDUMP_SETUP_WERROR "Treat warnings as errors" OFF)
set(KDUMP_SETUP_SANITIZERS "" CACHE STRING "Sanitizers to build with, e.g. address;undefined")

add_library(kdump_settings INTERFACE)
add_library(kdump_warnings INTERFACE)

target_compile_options(kdump_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Woverloaded-virtual
  -Wcast-align -Wdouble-promotion -Wextra-semi)
if(KDUMP_SETUP_WERROR)
  target_compile_options(kdump_warnings INTERFACE -Werror)
endif()

target_compile_definitions(kdump_settings INTERFACE $<$<CONFIG:Debug>:_GLIBCXX_ASSERTIONS>)
if(KDUMP_SETUP_SANITIZERS)
  list(JOIN KDUMP_SETUP_SANITIZERS "," san)
  target_compile_options(kdump_settings INTERFACE -fsanitize=${san} -fno-omit-frame-pointer
                                                  -fno-sanitize-recover=all)
  target_link_options(kdump_settings INTERFACE -fsanitize=${san})
endif()
