# Third-party libraries, each behind one INTERFACE target so that only the layer that
# may use it links it (docs/contract.md §2: Boost only in grammar/, toml++ only in config,
# CLI11 only in the CLI). All come from Debian 12 packages (scripts/setup.sh).
find_package(PkgConfig REQUIRED)
find_package(Boost 1.74 REQUIRED)
find_package(CLI11 REQUIRED)
find_package(nlohmann_json 3.11 REQUIRED)
pkg_check_modules(TOMLPP REQUIRED IMPORTED_TARGET tomlplusplus)
pkg_check_modules(EFIVAR REQUIRED IMPORTED_TARGET efivar)
pkg_check_modules(BLKID REQUIRED IMPORTED_TARGET blkid)
pkg_check_modules(UDEV REQUIRED IMPORTED_TARGET libudev)
find_path(DTL_INCLUDE_DIR dtl/dtl.hpp REQUIRED)

add_library(dep_boost_headers INTERFACE)
target_link_libraries(dep_boost_headers INTERFACE Boost::headers)
target_compile_definitions(dep_boost_headers INTERFACE BOOST_SPIRIT_X3_NO_RTTI)

add_library(dep_cli11 INTERFACE)
target_link_libraries(dep_cli11 INTERFACE CLI11::CLI11)

add_library(dep_json INTERFACE)
target_link_libraries(dep_json INTERFACE nlohmann_json::nlohmann_json)

add_library(dep_tomlplusplus INTERFACE)
target_link_libraries(dep_tomlplusplus INTERFACE PkgConfig::TOMLPP)

add_library(dep_efivar INTERFACE)
target_link_libraries(dep_efivar INTERFACE PkgConfig::EFIVAR)

add_library(dep_blkid INTERFACE)
target_link_libraries(dep_blkid INTERFACE PkgConfig::BLKID)

add_library(dep_udev INTERFACE)
target_link_libraries(dep_udev INTERFACE PkgConfig::UDEV)

add_library(dep_dtl INTERFACE)
target_include_directories(dep_dtl SYSTEM INTERFACE ${DTL_INCLUDE_DIR})
