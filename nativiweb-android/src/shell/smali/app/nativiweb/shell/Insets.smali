# Pads the root view by the system bars, the display cutout and (where Android reports it
# here) the keyboard, on every Android from 7 to 16: from Android 15 (API 35) apps targeting
# API 35+ are always laid out edge to edge, and a plain fitsSystemWindows root does not cover
# every case there (the cutout in landscape, the keyboard). The root's background, the theme
# colour, shows in the padded bar areas. Each Android range has its own method, so older
# devices never resolve the classes that only newer ones have (android.graphics.Insets and
# WindowInsets$Type are API 29/30, DisplayCutout API 28).
.class public final Lapp/nativiweb/shell/Insets;
.super Ljava/lang/Object;
.source "Insets.smali"

.implements Landroid/view/View$OnApplyWindowInsetsListener;

.method public constructor <init>()V
    .registers 1
    invoke-direct {p0}, Ljava/lang/Object;-><init>()V
    return-void
.end method

.method public onApplyWindowInsets(Landroid/view/View;Landroid/view/WindowInsets;)Landroid/view/WindowInsets;
    .registers 5
    sget v0, Landroid/os/Build$VERSION;->SDK_INT:I
    const/16 v1, 0x1e
    if-lt v0, v1, :before_30
    invoke-static {p1, p2}, Lapp/nativiweb/shell/Insets;->apply30(Landroid/view/View;Landroid/view/WindowInsets;)Landroid/view/WindowInsets;
    move-result-object v0
    return-object v0
    :before_30
    const/16 v1, 0x1c
    if-lt v0, v1, :before_28
    invoke-static {p1, p2}, Lapp/nativiweb/shell/Insets;->apply28(Landroid/view/View;Landroid/view/WindowInsets;)Landroid/view/WindowInsets;
    move-result-object v0
    return-object v0
    :before_28
    invoke-static {p1, p2}, Lapp/nativiweb/shell/Insets;->apply24(Landroid/view/View;Landroid/view/WindowInsets;)Landroid/view/WindowInsets;
    move-result-object v0
    return-object v0
.end method

# API 30+: the system bars, the display cutout and the keyboard, as one android.graphics.Insets
# (the largest on each side); nothing is passed on to the WebView.
.method public static apply30(Landroid/view/View;Landroid/view/WindowInsets;)Landroid/view/WindowInsets;
    .registers 7
    invoke-static {}, Landroid/view/WindowInsets$Type;->systemBars()I
    move-result v0
    invoke-static {}, Landroid/view/WindowInsets$Type;->displayCutout()I
    move-result v1
    or-int/2addr v0, v1
    invoke-static {}, Landroid/view/WindowInsets$Type;->ime()I
    move-result v1
    or-int/2addr v0, v1
    invoke-virtual {p1, v0}, Landroid/view/WindowInsets;->getInsets(I)Landroid/graphics/Insets;
    move-result-object v0
    iget v1, v0, Landroid/graphics/Insets;->left:I
    iget v2, v0, Landroid/graphics/Insets;->top:I
    iget v3, v0, Landroid/graphics/Insets;->right:I
    iget v4, v0, Landroid/graphics/Insets;->bottom:I
    invoke-virtual {p0, v1, v2, v3, v4}, Landroid/view/View;->setPadding(IIII)V
    sget-object v0, Landroid/view/WindowInsets;->CONSUMED:Landroid/view/WindowInsets;
    return-object v0
.end method

# API 28-29: the system window insets (bars, and the keyboard with adjustResize), widened to the
# display cutout's safe insets when the window reaches into the cutout.
.method public static apply28(Landroid/view/View;Landroid/view/WindowInsets;)Landroid/view/WindowInsets;
    .registers 8
    invoke-virtual {p1}, Landroid/view/WindowInsets;->getSystemWindowInsetLeft()I
    move-result v0
    invoke-virtual {p1}, Landroid/view/WindowInsets;->getSystemWindowInsetTop()I
    move-result v1
    invoke-virtual {p1}, Landroid/view/WindowInsets;->getSystemWindowInsetRight()I
    move-result v2
    invoke-virtual {p1}, Landroid/view/WindowInsets;->getSystemWindowInsetBottom()I
    move-result v3
    invoke-virtual {p1}, Landroid/view/WindowInsets;->getDisplayCutout()Landroid/view/DisplayCutout;
    move-result-object v4
    if-eqz v4, :pad
    invoke-virtual {v4}, Landroid/view/DisplayCutout;->getSafeInsetLeft()I
    move-result v5
    invoke-static {v0, v5}, Ljava/lang/Math;->max(II)I
    move-result v0
    invoke-virtual {v4}, Landroid/view/DisplayCutout;->getSafeInsetTop()I
    move-result v5
    invoke-static {v1, v5}, Ljava/lang/Math;->max(II)I
    move-result v1
    invoke-virtual {v4}, Landroid/view/DisplayCutout;->getSafeInsetRight()I
    move-result v5
    invoke-static {v2, v5}, Ljava/lang/Math;->max(II)I
    move-result v2
    invoke-virtual {v4}, Landroid/view/DisplayCutout;->getSafeInsetBottom()I
    move-result v5
    invoke-static {v3, v5}, Ljava/lang/Math;->max(II)I
    move-result v3
    :pad
    invoke-virtual {p0, v0, v1, v2, v3}, Landroid/view/View;->setPadding(IIII)V
    invoke-virtual {p1}, Landroid/view/WindowInsets;->consumeSystemWindowInsets()Landroid/view/WindowInsets;
    move-result-object v0
    invoke-virtual {v0}, Landroid/view/WindowInsets;->consumeDisplayCutout()Landroid/view/WindowInsets;
    move-result-object v0
    return-object v0
.end method

# API 24-27: the system window insets (bars, and the keyboard with adjustResize).
.method public static apply24(Landroid/view/View;Landroid/view/WindowInsets;)Landroid/view/WindowInsets;
    .registers 6
    invoke-virtual {p1}, Landroid/view/WindowInsets;->getSystemWindowInsetLeft()I
    move-result v0
    invoke-virtual {p1}, Landroid/view/WindowInsets;->getSystemWindowInsetTop()I
    move-result v1
    invoke-virtual {p1}, Landroid/view/WindowInsets;->getSystemWindowInsetRight()I
    move-result v2
    invoke-virtual {p1}, Landroid/view/WindowInsets;->getSystemWindowInsetBottom()I
    move-result v3
    invoke-virtual {p0, v0, v1, v2, v3}, Landroid/view/View;->setPadding(IIII)V
    invoke-virtual {p1}, Landroid/view/WindowInsets;->consumeSystemWindowInsets()Landroid/view/WindowInsets;
    move-result-object v0
    return-object v0
.end method
