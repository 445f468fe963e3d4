"""The SoC on an FPGA board (docs/fpga.md): the board top, its PLL, on-chip memory and UART bridge."""
