/* main.c - skeind entry point (placeholder until the broker core lands). */
#include <stdio.h>
int main(void)
{
    return 0;
}
